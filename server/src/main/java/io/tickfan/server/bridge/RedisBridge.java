package io.tickfan.server.bridge;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.IngestRing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bridges pods through Redis Streams. Published ticks do not enter this pod's ring directly: a
 * {@link StreamWriter} appends them to the symbol's shard stream, where an atomic script gives
 * them their seq; one {@link StreamReader} per shard reads every entry back (this pod's and every
 * other pod's) into the ring, with that seq and a position derived from the entry id. So every
 * pod sequences the same entries with the same numbers, and a resume point from one pod is valid
 * on any other.
 *
 * <pre>
 *  publish ──► StreamWriter ──EVALSHA(batch)──► Redis stream {s} ──XREAD──► StreamReader[s] ──► IngestRing
 *   (any pod)   (bounded buffer, pipelined)      (seq by HINCRBY)          (every pod, every shard)
 * </pre>
 *
 * <p>While Redis is unreachable for this pod (the writer judges it, {@code redis.degradedAfterMs}),
 * ticks published here are also numbered and delivered by this pod alone, and still buffered for
 * Redis; once Redis numbered them the sequencer confirms or resets (see decisions/0003). A resume
 * that history cannot serve is served from the stream by the {@link StreamBackfiller}.
 *
 * <p>Threads: {@code tickfan-redis-writer}, {@code tickfan-redis-reader-N}, {@code
 * tickfan-redis-backfill}; Lettuce's own I/O threads. Connections: one pipelined (writer), one for
 * writer control, one per shard reader, one for backfill.
 */
public final class RedisBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RedisBridge.class);
    private static final int OUTBOUND_RING_BYTES = 1 << 23;

    private final ClientResources resources;
    private final RedisClient client;
    private final List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    private final StreamWriter writer;
    private final List<StreamReader> readers = new ArrayList<>();
    private final StreamBackfiller backfiller;
    private final List<Thread> threads = new ArrayList<>();
    private final FanoutEngine engine;
    private final String epoch;

    private RedisBridge(FanoutEngine engine, BridgeSettings settings) {
        if (engine.positionShards() != settings.shards()) {
            throw new IllegalArgumentException("the engine must have one position space per shard: "
                    + engine.positionShards() + " for " + settings.shards() + " shards");
        }
        this.engine = engine;
        this.resources = DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.fullJitter(
                        Duration.ofMillis(Math.max(1, settings.reconnectMinMs())),
                        Duration.ofMillis(settings.reconnectMaxMs()),
                        Math.max(1, settings.reconnectMinMs()),
                        TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, RedisURI.create(settings.uri()));
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                // Fail fast while disconnected: the writer buffers (bounded) and resends itself.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(settings.commandTimeoutMs()))
                        .build())
                .timeoutOptions(
                        TimeoutOptions.enabled(Duration.ofMillis(settings.commandTimeoutMs() + settings.readBlockMs())))
                .build());
        final RedisKeys keys = new RedisKeys(settings.keyPrefix());
        final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.startupTimeoutMs());
        try {
            final StatefulRedisConnection<String, String> control = connect(deadlineNs);
            this.epoch = Epochs.establish(control.sync(), keys.epoch());
            while (engine.restartNumbering(epoch, 0, 0) != IngestRing.OK) {
                Thread.onSpinWait();
            }
            final MalformedLog malformed = new MalformedLog(engine.counters());
            final String writerId = Epochs.newEpoch();
            // Per shard: the newest of this pod's batches its reader has seen come back.
            final AtomicLongArray readBack = new AtomicLongArray(settings.shards());
            for (int s = 0; s < settings.shards(); s++) {
                readers.add(new StreamReader(
                        s, settings, keys, epoch, engine, malformed, connect(deadlineNs), writerId, readBack));
            }
            this.writer = new StreamWriter(
                    settings,
                    keys,
                    writerId,
                    engine.symbols(),
                    engine.counters(),
                    connect(deadlineNs),
                    control,
                    OUTBOUND_RING_BYTES,
                    engine::publishLocally,
                    readBack);
            for (int s = 0; s < readers.size(); s++) {
                threads.add(startThread(readers.get(s), "tickfan-redis-reader-" + s));
            }
            this.backfiller = new StreamBackfiller(settings, keys, engine, malformed, connect(deadlineNs));
            awaitBackfill(deadlineNs);
            threads.add(startThread(writer, "tickfan-redis-writer"));
            threads.add(startThread(backfiller, "tickfan-redis-backfill"));
            engine.backfillFrom(backfiller::request);
            engine.waitForCatchUp(settings.resumeCatchUpMs(), settings.resumeCatchUpMaxPending());
            engine.limitLocalNumbering(settings.outboundBufferTicks());
            engine.reportDivergenceTo(writer::diverged);
            engine.routePublishesTo(writer::offer);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("redis bridge up: {} shard(s), epoch {}", settings.shards(), epoch);
    }

    /**
     * Connects, establishes the shared epoch, backfills history from the streams and routes the
     * engine's publishes through Redis. Throws when Redis is not reachable within {@code
     * redis.startupTimeoutMs}: a pod without its Redis would serve a numbering of its own.
     */
    public static RedisBridge start(FanoutEngine engine, BridgeSettings settings) {
        return new RedisBridge(engine, settings);
    }

    private StatefulRedisConnection<String, String> connect(long deadlineNs) {
        final Backoff backoff = new Backoff(50, 500);
        while (true) {
            try {
                final StatefulRedisConnection<String, String> c = client.connect();
                connections.add(c);
                return c;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("redis not reachable: " + e.getMessage(), e);
                }
                LockSupport.parkNanos(backoff.nextDelayNs());
            }
        }
    }

    private void awaitBackfill(long deadlineNs) {
        for (StreamReader r : readers) {
            while (!r.caughtUp()) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("redis backfill did not finish within redis.startupTimeoutMs");
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }
    }

    private static Thread startThread(Runnable r, String name) {
        final Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** The epoch this pod started under. */
    public String epoch() {
        return epoch;
    }

    /** Whether the writer is connected and appending (false while Redis is unreachable). */
    public boolean isWriterUp() {
        return writer != null && writer.isUp();
    }

    /** Whether ticks published here are numbered and delivered locally because Redis is unreachable. */
    public boolean isDegraded() {
        return writer != null && writer.isDegraded();
    }

    /** Stops reading and appending (ticks still buffered are dropped) and closes the connections. */
    @Override
    public void close() {
        engine.routePublishesTo(null);
        engine.backfillFrom(null);
        engine.waitForCatchUp(0, 0);
        engine.reportDivergenceTo(null);
        if (writer != null) {
            writer.stop();
        }
        if (backfiller != null) {
            backfiller.stop();
        }
        for (StreamReader r : readers) {
            r.stop();
        }
        for (Thread t : threads) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (StatefulRedisConnection<String, String> c : connections) {
            if (c.isOpen()) {
                c.close();
            }
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
