package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Readiness notices a wedged bridge and comes back by itself: a frozen Redis (SIGSTOP: sockets
 * open, nothing answered) and a stream reader that stopped reading while Redis is fine (its
 * ingest ring full behind a stalled event loop) both turn {@code /ready} to 503 with the reason,
 * and {@code tickfan_ready} to 0, within {@code ready.maxLagMs}; both recover without a restart.
 */
@Tag("fault")
class ReadinessHeartbeatIT {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static TickfanServer pod(RedisServer redis, java.util.function.UnaryOperator<ServerConfig> more)
            throws Exception {
        return Pods.start(
                redis,
                c -> more.apply(c.with(ServerConfig.READY_HEARTBEAT_INTERVAL_MS, 100)
                        .with(ServerConfig.READY_MAX_LAG_MS, 1500)
                        .with(ServerConfig.METRICS_PORT, 0)));
    }

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** {@link #metric} for a polled condition: NaN when the scrape fails. */
    private static double scrape(TickfanServer pod, String series) {
        try {
            return metric(pod, series);
        } catch (Exception | AssertionError e) {
            return Double.NaN;
        }
    }

    private static double metric(TickfanServer pod, String series) throws Exception {
        final String body = get(pod.metricsPort(), "/metrics").body();
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$")
                .matcher(body);
        assertTrue(m.find(), "no " + series + " in:\n" + body);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void shouldTurnNotReadyWhileRedisIsFrozenAndRecoverWhenItResumes() throws Exception {
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer pod = pod(redis, c -> c)) {
            Pods.await(() -> pod.context().notReadyReason() == null, "ready after start-up");
            assertEquals(200, get(pod.port(), "/ready").statusCode());
            assertEquals(1.0, metric(pod, "tickfan_ready"));
            assertDeployQueriesExist(pod);

            redis.freeze();
            try {
                Pods.await(() -> pod.context().notReadyReason() != null, "not ready while Redis is frozen");
                final HttpResponse<String> ready = get(pod.port(), "/ready");
                assertEquals(503, ready.statusCode());
                assertTrue(ready.body().contains("redis shard 0"), ready.body());
                assertEquals(0.0, metric(pod, "tickfan_ready"));
                assertTrue(metric(pod, "tickfan_bridge_heartbeat_age_seconds{shard=\"0\"}") > 1.0);
                assertEquals(200, get(pod.port(), "/health").statusCode(), "liveness stays ok");
                // What is published meanwhile waits in the bridge, and the metric says so.
                for (int i = 1; i <= 25; i++) {
                    Pods.publish(pod, io.tickfan.server.testing.Ticks.numbered("HB.BUF", i));
                }
                Pods.await(
                        () -> scrape(pod, "tickfan_bridge_buffered_ticks") >= 25,
                        "the 25 ticks published while Redis is frozen show as buffered");
            } finally {
                redis.thaw();
            }
            Pods.await(() -> pod.context().notReadyReason() == null, "ready again after Redis resumed");
            assertEquals(200, get(pod.port(), "/ready").statusCode());
            assertEquals(1.0, metric(pod, "tickfan_ready"));
            Pods.await(() -> scrape(pod, "tickfan_bridge_buffered_ticks") == 0, "the buffer drains into Redis");
        }
    }

    @Test
    void shouldTurnNotReadyWhenAReaderStopsReadingWhileRedisIsFine() throws Exception {
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer pod = pod(redis, c -> c.with(ServerConfig.IO_THREADS, 2)
                        .with(ServerConfig.INGEST_RING_BYTES, 65536)
                        .with(ServerConfig.LOOP_QUEUE_CAPACITY, 64));
                TestClient client = TestClient.connect(Pods.ws(pod), TestTokens.valid())) {
            client.subscribeAndAwaitAck("WEDGE");
            Pods.await(() -> pod.context().notReadyReason() == null, "ready after start-up");
            // Stall the subscriber's event loop: the sequencer waits on its full queue, the ingest ring
            // fills, and the shard's reader spins on the ring instead of reading (Redis keeps answering).
            final Channel channel = pod.context().connections.iterator().next();
            final CountDownLatch release = new CountDownLatch(1);
            channel.eventLoop().execute(() -> {
                try {
                    release.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            try {
                for (int i = 1; i <= 5000; i++) {
                    Pods.publish(pod, Ticks.numbered("WEDGE", i));
                }
                Pods.await(() -> pod.context().notReadyReason() != null, "not ready while the reader is stuck");
                final String reason = pod.context().notReadyReason();
                assertNotNull(reason);
                assertTrue(reason.contains("stream reader has not completed a read"), reason);
                assertEquals(0.0, metric(pod, "tickfan_ready"));
                assertTrue(metric(pod, "tickfan_bridge_reader_idle_seconds{shard=\"0\"}") > 1.5);
            } finally {
                release.countDown();
            }
            Pods.await(() -> pod.context().notReadyReason() == null, "ready again once the reader reads");
            assertEquals(1.0, metric(pod, "tickfan_ready"));
            client.awaitTicks("WEDGE", 5000, Duration.ofSeconds(30));
        }
    }

    /** Every metric deploy/'s alert rules and dashboard query is one a pod with a bridge exposes. */
    private static void assertDeployQueriesExist(TickfanServer pod) throws Exception {
        assertEquals(401, get(pod.port(), "/sse?symbols=A").statusCode()); // one refusal, so its series exists
        final String body = get(pod.metricsPort(), "/metrics").body();
        final java.nio.file.Path deploy = java.nio.file.Path.of("..", "deploy");
        final String queries = java.nio.file.Files.readString(
                        deploy.resolve("prometheus").resolve("alerts.yaml"))
                + java.nio.file.Files.readString(deploy.resolve("grafana").resolve("tickfan-dashboard.json"));
        final Matcher names = Pattern.compile("\\b(?:tickfan|jvm)_[a-z_]+").matcher(queries);
        final java.util.Set<String> missing = new java.util.TreeSet<>();
        while (names.find()) {
            if (!Pattern.compile("(?m)^" + names.group() + "[ {]").matcher(body).find()) {
                missing.add(names.group());
            }
        }
        assertTrue(missing.isEmpty(), "deploy/ queries metrics a pod does not expose: " + missing);
    }
}
