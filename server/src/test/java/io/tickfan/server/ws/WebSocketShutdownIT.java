package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.testing.LeakRecorder;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Closing the server with clients connected and ticks in flight releases every buffer. */
class WebSocketShutdownIT {
    private static final String[] SYMBOLS = {"SD.A", "SD.B", "SD.C", "SD.D"};

    @RegisterExtension
    final TickfanServerExtension server = new TickfanServerExtension();

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void shouldLeakNothingWhenClosedWithClientsConnectedAndTicksInFlight() throws Exception {
        final List<TestClient> clients = new ArrayList<>();
        final RawWebSocket raw = RawWebSocket.open(server.port(), "/ws", TestTokens.valid());
        final AtomicBoolean stop = new AtomicBoolean();
        final var engine = server.engine();
        final Thread feed = new Thread(
                () -> {
                    for (int i = 0; !stop.get(); i++) {
                        engine.publish(Ticks.numbered(SYMBOLS[i % SYMBOLS.length], i));
                        if ((i & 63) == 0) {
                            Thread.yield();
                        }
                    }
                },
                "test-feed");
        try {
            for (int i = 0; i < 20; i++) {
                final TestClient c = server.connect(TestTokens.valid());
                clients.add(c);
                c.subscribeAndAwaitAck(SYMBOLS);
            }
            raw.sendText("{\"op\":\"subscribe\",\"symbols\":[\"SD.A\"]}");
            feed.start();
            for (TestClient c : clients) {
                c.awaitTicks(SYMBOLS[0], 50);
            }

            final long startNs = System.nanoTime();
            server.closeServer();
            final long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            assertTrue(closeMs < 10_000, "close took " + closeMs + " ms");
        } finally {
            stop.set(true);
            feed.join(10_000);
        }
        // All three are checked and reported together: a connection left open also keeps its buffers.
        assertAll(
                () -> assertTrue(
                        raw.awaitEndOfStream(Duration.ofSeconds(10)),
                        "close() must close every client connection (this one had unsent ticks queued)"),
                () -> {
                    final long deadline =
                            System.nanoTime() + Duration.ofSeconds(10).toNanos();
                    for (TestClient c : clients) {
                        c.awaitClose(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
                    }
                },
                () -> assertEquals(List.of(), LeakRecorder.collect(10), "buffers leaked by shutdown"));
        raw.close();
        clients.forEach(TestClient::close);
    }
}
