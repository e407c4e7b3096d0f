package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A Redis bridge thread dying (an Error out of its loop: a bug or an exhausted JVM, not a Redis
 * fault, which the loops handle) fails the pod fast, as the sequencer's death does ({@code
 * FatalErrorIT}): health and readiness 503 {@code failed}, no publish acknowledged, and the exit
 * hook called with status 70. The Error is injected through the bridge's test hook on a real pod
 * with a real Redis; only the exit is observed instead of taken.
 */
@Tag("fault")
class BridgeFatalErrorIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void shouldFailFastWhenTheWriterThreadDies() throws Exception {
        failFastWhenABridgeThreadDies("writer");
    }

    @Test
    void shouldFailFastWhenTheReaderThreadDies() throws Exception {
        failFastWhenABridgeThreadDies("reader");
    }

    private static void failFastWhenABridgeThreadDies(String role) throws Exception {
        final List<Integer> exits = new CopyOnWriteArrayList<>();
        final CountDownLatch exited = new CountDownLatch(1);
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final PrintStream original = System.err;
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer pod = TickfanServer.start(Pods.config(redis.uri()), status -> {
                    exits.add(status);
                    exited.countDown();
                })) {
            final URI ws = Pods.ws(pod);
            try (TestClient publisher = TestClient.connect(ws, TestTokens.publisher());
                    TestClient subscriber = TestClient.connect(ws, TestTokens.valid())) {
                subscriber.awaitAck(subscriber.subscribe("BF"));
                publisher.awaitAck(publisher.publish(Ticks.numbered("BF", 1)));
                subscriber.awaitSeq("BF", 1);
                assertEquals(200, get(pod, "/health").statusCode());
                assertEquals(200, get(pod, "/ready").statusCode());

                System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
                try {
                    final Runnable fault = () -> {
                        throw new OutOfMemoryError("injected: Java heap space");
                    };
                    if (role.equals("writer")) {
                        pod.bridge().injectIntoWriterForTest(0, fault);
                    } else {
                        pod.bridge().injectIntoReaderForTest(0, fault);
                    }
                    exited.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                } finally {
                    System.setErr(original);
                }
                assertEquals(List.of(TickfanServer.FATAL_EXIT_STATUS), exits);

                final HttpResponse<String> health = get(pod, "/health");
                assertEquals(503, health.statusCode());
                assertTrue(health.body().contains("failed"), health.body());
                final HttpResponse<String> ready = get(pod, "/ready");
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().contains("failed"), ready.body());

                final String id = publisher.publish(Ticks.numbered("BF", 3));
                publisher.awaitError("unavailable");
                assertTrue(publisher.messages().stream().noneMatch(r -> r.isAck(id)), "a publish was acknowledged");
            }
        }
        final String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(
                log.contains("fatal: engine thread tickfan-redis-" + role + "-0 failed")
                        && log.contains("exiting with status 70"),
                log);
    }

    private static HttpResponse<String> get(TickfanServer pod, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pod.port() + path))
                        .timeout(TIMEOUT)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
