package io.tickfan.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.CloseCodes;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.LeakRecorder;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A successor pod on the same port ({@code transport.reusePort}): it listens beside the running
 * pod, and when the running pod drains it stops listening first, so every new connection (the
 * drained clients' too) reaches the successor and none is answered 503 by the pod going away.
 */
class ReusePortHandoffIT {
    private static final int SESSIONS_ON_OLD = 3;

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldHandEveryNewConnectionToTheSuccessorWhenThePodOnThePortDrains(String transport) throws Exception {
        final List<TestClient> clients = new ArrayList<>();
        final TickfanServer old = TickfanServerExtension.start(c -> c.with(ServerConfig.TRANSPORT, transport)
                .with(ServerConfig.TRANSPORT_REUSE_PORT, true)
                .with(ServerConfig.METRICS_PORT, 0)
                .with(ServerConfig.DRAIN_WINDOW_MS, 1000));
        TickfanServer successor = null;
        try {
            final int port = old.port();
            final int metricsPort = old.metricsPort();
            // Without transport.reusePort this start fails: the port is taken (StartupFailureIT).
            successor = TickfanServerExtension.start(c -> c.with(ServerConfig.TRANSPORT, transport)
                    .with(ServerConfig.PORT, port)
                    .with(ServerConfig.TRANSPORT_REUSE_PORT, true)
                    .with(ServerConfig.METRICS_PORT, metricsPort));
            assertEquals(port, successor.port());
            final URI uri = URI.create("ws://127.0.0.1:" + port + "/ws");

            // The kernel spreads connections over both listeners: open some until each pod holds some.
            for (int i = 0;
                    i < 400
                            && (old.context().sessions.size() < SESSIONS_ON_OLD
                                    || successor.context().sessions.size() == 0);
                    i++) {
                final TestClient c = TestClient.connect(uri, TestTokens.valid());
                c.subscribeAndAwaitAck("HANDOFF.A");
                clients.add(c);
            }
            final int onOld = old.context().sessions.size();
            assertTrue(onOld >= SESSIONS_ON_OLD, "the old pod got " + onOld + " of " + clients.size() + " connections");
            assertTrue(successor.context().sessions.size() > 0, "the successor got none of " + clients.size());

            final int told = old.startDrain();
            assertEquals(onOld, told, "sessions the draining pod told to go");

            // From here every upgrade reaches the successor; the pod going away answers none (no 503).
            final int successorBefore = successor.context().sessions.size();
            final List<TestClient> after = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                final TestClient c = TestClient.connect(uri, TestTokens.valid());
                c.subscribeAndAwaitAck("HANDOFF.B");
                after.add(c);
            }
            // (TestClient.connect fails on anything but 101: a 503 from the draining pod would show here.)
            assertEquals(
                    successorBefore + after.size(), successor.context().sessions.size());
            clients.addAll(after);

            // The drained clients were sent away with the restart code and a time to come back.
            final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (old.context().admission.openConnections() > 0 && System.nanoTime() < deadline) {
                TimeUnit.MILLISECONDS.sleep(20);
            }
            assertEquals(0, old.context().admission.openConnections(), "connections left on the drained pod");
            final List<TestClient> closed =
                    clients.stream().filter(TestClient::isClosed).toList();
            assertEquals(onOld, closed.size(), "clients closed by the drain");
            for (TestClient c : closed) {
                assertEquals(CloseCodes.SERVICE_RESTART, c.awaitClose(), c.closeReason());
                assertTrue(c.closeReason().contains("retry_ms="), c.closeReason());
            }

            // The shared metrics port is the successor's now.
            final HttpResponse<String> scrape = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scrape.statusCode());
        } finally {
            clients.forEach(TestClient::close);
            old.close();
            if (successor != null) {
                successor.close();
            }
        }
        assertEquals(List.of(), LeakRecorder.collect(10), "buffers leaked");
    }
}
