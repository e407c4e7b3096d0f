package io.tickfan.server.bridge;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TickfanServerExtension;
import java.net.URI;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** Helpers for bridge tests: pods on one Redis, publishing, polling conditions with deadlines. */
final class Pods {
    private Pods() {}

    static TickfanServer start(RedisServer redis, UnaryOperator<ServerConfig> more) throws Exception {
        return start(redis.uri(), more);
    }

    /** A pod on a Redis Cluster: every node a seed, {@code redis.cluster=true}. */
    static TickfanServer start(RedisCluster cluster, UnaryOperator<ServerConfig> more) throws Exception {
        return start(cluster.seedUris(), c -> more.apply(c.with(ServerConfig.REDIS_CLUSTER, true)));
    }

    private static TickfanServer start(String uri, UnaryOperator<ServerConfig> more) throws Exception {
        return TickfanServerExtension.start(c -> more.apply(withRedis(c, uri)));
    }

    /** A bridged pod's test configuration, for a test that starts the server itself. */
    static ServerConfig config(String uri) {
        return withRedis(TickfanServerExtension.testDefaults(), uri);
    }

    private static ServerConfig withRedis(ServerConfig c, String uri) {
        return c.with(ServerConfig.REDIS_URI, uri)
                .with(ServerConfig.REDIS_RECONNECT_MIN_MS, 10)
                .with(ServerConfig.REDIS_RECONNECT_MAX_MS, 200)
                .with(ServerConfig.REDIS_COMMAND_TIMEOUT_MS, 1000)
                .with(ServerConfig.REDIS_READ_BLOCK_MS, 200)
                .with(ServerConfig.IO_THREADS, 1);
    }

    static TickfanServer start(RedisServer redis) throws Exception {
        return start(redis, c -> c);
    }

    static URI ws(TickfanServer pod) {
        return URI.create("ws://127.0.0.1:" + pod.port() + "/ws");
    }

    /** Publishes through the pod's engine, as its WebSocket publish handler does; retries a full ring. */
    static void publish(TickfanServer pod, Tick tick) {
        final long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        if (pod.engine().publish(tick) != IngestRing.OK
                && !RingRetry.untilAccepted(() -> pod.engine().publish(tick), () -> System.nanoTime() < deadline)) {
            throw new AssertionError("publish stayed back-pressured");
        }
    }

    static long counter(TickfanServer pod, Counters.Counter c) {
        return pod.engine().counters().get(c);
    }

    static void await(BooleanSupplier condition, String what) {
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // poll, with a deadline
        }
    }

    /** A plain Lettuce connection for poking at the stream directly; close both. */
    static StatefulRedisConnection<String, String> connect(RedisClient client) {
        return client.connect();
    }
}
