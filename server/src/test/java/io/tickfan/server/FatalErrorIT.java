package io.tickfan.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The sequencer thread dying (it did, of OutOfMemoryError, with the process up, health green and
 * publishes still acknowledged: ticks lost without a word) now fails the pod fast: health and
 * readiness 503, no publish acknowledged, a clear message, and the exit hook (Main: halt) called
 * with status 70 so the orchestrator restarts it. A real server; only the exit is observed
 * instead of taken, so the test JVM lives.
 */
@Tag("fault")
class FatalErrorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void shouldFailFastWhenTheSequencerDies() throws Exception {
        final List<Integer> exits = new CopyOnWriteArrayList<>();
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.err;
        try (TickfanServer server = TickfanServer.start(TickfanServerExtension.testDefaults(), exits::add)) {
            final URI ws = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
            try (TestClient publisher = TestClient.connect(ws, TestTokens.publisher());
                    TestClient subscriber = TestClient.connect(ws, TestTokens.valid())) {
                subscriber.awaitAck(subscriber.subscribe("F"));
                publisher.awaitAck(publisher.publish(Ticks.numbered("F", 1)));
                subscriber.awaitSeq("F", 1);
                assertEquals(200, get(server, "/health").statusCode());

                System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
                try {
                    server.engine().runOnSequencer(() -> {
                        throw new OutOfMemoryError("injected: Java heap space");
                    });
                    final long deadline = System.nanoTime() + TIMEOUT.toNanos();
                    while (exits.isEmpty() && System.nanoTime() < deadline) {
                        Thread.sleep(5);
                    }
                } finally {
                    System.setErr(original);
                }
                assertEquals(List.of(TickfanServer.FATAL_EXIT_STATUS), exits);

                final HttpResponse<String> health = get(server, "/health");
                assertEquals(503, health.statusCode());
                assertTrue(health.body().contains("failed"), health.body());
                assertEquals(503, get(server, "/ready").statusCode());

                final String id = publisher.publish(Ticks.numbered("F", 2));
                publisher.awaitError("unavailable");
                assertTrue(publisher.messages().stream().noneMatch(r -> r.isAck(id)), "a publish was acknowledged");
            }
        }
        final String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(
                log.contains("fatal: engine thread tickfan-sequencer failed") && log.contains("exiting with status 70"),
                log);
    }

    private static HttpResponse<String> get(TickfanServer server, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .timeout(TIMEOUT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
