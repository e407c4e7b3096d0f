package io.tickfan.server.bridge;

import io.lettuce.core.resource.ClientResources;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.BackfillRequest;
import io.tickfan.server.fanout.Broker;
import io.tickfan.server.fanout.BrokerPort;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.IngestRing;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
 * <p>Redis is one server or a Redis Cluster ({@link RedisEndpoint}); every key of a shard shares a
 * hash tag, so each shard lives on one master and the code above the endpoint is the same.
 *
 * <p>The engine's {@link Broker}: built from its settings, handed to the engine, and started by
 * the engine once its sequencer runs ({@link #start()}).
 *
 * <p>Threads: Agrona agents ({@link BridgeAgents}), {@code tickfan-redis-writer-N} and {@code
 * tickfan-redis-reader-N} per shard, {@code tickfan-redis-backfill} (and {@code
 * tickfan-redis-heartbeat} once started); Lettuce's own I/O threads. Connections: per shard one
 * pipelined (writer) and one reader; one for writer control (shared), one for backfill.
 */
public final class RedisBridge implements Broker {
    private static final Logger LOG = LoggerFactory.getLogger(RedisBridge.class);
    /** Publishes waiting for the writers, over all shards; at least 1 MiB per shard. */
    private static final int OUTBOUND_RING_BYTES = 1 << 23;

    private static final int MIN_OUTBOUND_RING_BYTES = 1 << 20;
    /** How long {@link #close()} waits for a connection still being made ahead of start. */
    private static final long CLOSE_WAIT_FOR_CONNECT_MS = 2_000;

    private final BridgeSettings settings;
    private final Numbering numbering;
    private final List<RedisLink> links = new ArrayList<>();
    private final List<StreamWriter> writers = new ArrayList<>();
    private final List<StreamReader> readers = new ArrayList<>();
    private final BridgeAgents agents = new BridgeAgents(this::agentFailed);
    // Set while connecting ahead ({@link #connectAhead}), on a thread of its own: read after it ends.
    private volatile ClientResources resources;
    private volatile RedisEndpoint endpoint;
    /** The first connection, made ahead of {@link #start()}; null until {@link #connectAhead}. */
    private CompletableFuture<RedisLink> connecting;
    /** When {@code redis.startupTimeoutMs} runs out, counted from {@link #connectAhead}. */
    private long startupDeadlineNs;
    // Set by start(), on the thread that starts the engine, before anything reads them.
    private StreamBackfiller backfiller;
    private BrokerPort engine;
    private ShardEpochs epochs;
    private RedisKeys keys;
    /** Where publishes go, once started; null before and after. */
    private volatile ShardRouter router;

    private volatile boolean closing;
    private volatile BridgeHeartbeat heartbeat;

    /** A bridge not connected yet: hand it to the engine, which starts it ({@link #start()}). */
    public RedisBridge(BridgeSettings settings) {
        this.settings = settings;
        this.numbering = new Numbering(
                true,
                settings.outboundBufferTicks(),
                settings.rejoinMatchTicks(),
                settings.resumeCatchUpMs(),
                settings.resumeCatchUpMaxPending(),
                true);
    }

    @Override
    public Numbering numbering() {
        return numbering;
    }

    /**
     * Connects, establishes the shared epoch, backfills history from the streams and routes the
     * engine's publishes through Redis. Throws when Redis is not reachable within {@code
     * redis.startupTimeoutMs}: a pod without its Redis would serve a numbering of its own.
     */
    @Override
    public void attach(BrokerPort engine) {
        if (this.engine != null) {
            throw new IllegalStateException("a broker serves one engine");
        }
        if (engine.positionShards() != settings.shards()) {
            throw new IllegalArgumentException("the engine must have one position space per shard: "
                    + engine.positionShards() + " for " + settings.shards() + " shards");
        }
        this.engine = engine;
    }

    /**
     * Begins connecting on a thread of its own, {@code tickfan-redis-connect}: Lettuce's set-up and
     * the first connection are most of a bridged pod's start, and so overlap the rest of it.
     * {@link #start()} waits for it (and connects itself when this was not called); {@code
     * redis.startupTimeoutMs} counts from here.
     */
    public synchronized void connectAhead() {
        if (connecting != null) {
            throw new IllegalStateException("the bridge is connecting already");
        }
        startupDeadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.startupTimeoutMs());
        connecting = CompletableFuture.supplyAsync(this::firstConnection, task -> {
            final Thread t = new Thread(task, "tickfan-redis-connect");
            t.setDaemon(true);
            t.start();
        });
    }

    private RedisLink firstConnection() {
        this.resources = RedisEndpoint.resources(settings);
        this.endpoint = RedisEndpoint.create(settings, resources);
        return connect(startupDeadlineNs);
    }

    @Override
    public void start() {
        final CompletableFuture<RedisLink> first;
        synchronized (this) {
            if (keys != null) {
                throw new IllegalStateException("the bridge is started already");
            }
            this.keys = new RedisKeys(settings.keyPrefix());
            if (connecting == null) {
                connectAhead();
            }
            first = connecting;
        }
        final RedisKeys keys = this.keys;
        final long deadlineNs = startupDeadlineNs;
        final int shards = settings.shards();
        try {
            final RedisLink control = joinFirst(first);
            final String[] shardEpochs = new String[shards];
            for (int s = 0; s < shards; s++) {
                shardEpochs[s] = establishEpoch(control, keys.epoch(s), deadlineNs);
            }
            this.epochs = new ShardEpochs(shardEpochs, engine);
            epochs.startNumbering();
            final MalformedLog malformed = new MalformedLog(engine.counters());
            final String writerId = Epochs.newEpoch();
            // Per shard: the newest of this pod's batches its reader has seen come back, and who delivers a batch.
            final OwnBatches ownBatches = new OwnBatches(shards);
            // The outbound bounds are for the pod: each shard's writer gets its share.
            final int bufferTicks = Math.max(1, settings.outboundBufferTicks() / shards);
            final int ringBytes =
                    Math.max(MIN_OUTBOUND_RING_BYTES, Integer.highestOneBit(OUTBOUND_RING_BYTES / shards));
            for (int s = 0; s < shards; s++) {
                readers.add(new StreamReader(
                        s,
                        settings,
                        keys,
                        epochs,
                        shardEpochs[s],
                        engine,
                        malformed,
                        connect(deadlineNs),
                        writerId,
                        ownBatches));
                writers.add(new StreamWriter(
                        s,
                        bufferTicks,
                        settings,
                        keys,
                        writerId,
                        engine.symbols(),
                        engine.counters(),
                        connect(deadlineNs),
                        control,
                        ringBytes,
                        engine::publishLocally,
                        ownBatches));
            }
            for (StreamReader r : readers) {
                agents.start(r);
            }
            this.backfiller = new StreamBackfiller(settings, keys, engine, malformed, epochs, connect(deadlineNs));
            awaitBackfill(deadlineNs);
            for (StreamWriter w : writers) {
                agents.start(w);
            }
            agents.start(backfiller);
            this.router = new ShardRouter(writers, engine.symbols());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        LOG.info(
                "redis bridge up: {} shard(s){}, epoch {}",
                shards,
                settings.cluster() ? " on a Redis Cluster" : "",
                epochs.engineEpoch());
    }

    @Override
    public int publish(int symbolId, Tick tick, long ingestTimeNs) {
        final ShardRouter r = router;
        if (r == null) {
            return closing ? FanoutEngine.FAILED : IngestRing.BACK_PRESSURED;
        }
        return r.offer(symbolId, tick, ingestTimeNs);
    }

    /** The sequencer thread: a resume history cannot serve is read from the stream. */
    @Override
    public boolean requestBackfill(BackfillRequest request) {
        return router != null && backfiller.request(request);
    }

    @Override
    public void diverged(String symbol, long fromSeq, long toSeq) {
        final ShardRouter r = router;
        if (r != null) {
            r.diverged(symbol, fromSeq, toSeq);
        }
    }

    private static RedisLink joinFirst(CompletableFuture<RedisLink> first) {
        try {
            return first.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    private RedisLink connect(long deadlineNs) {
        final Backoff backoff = new Backoff(50, 500);
        while (true) {
            try {
                final RedisLink c = endpoint.connect();
                synchronized (links) {
                    links.add(c);
                }
                return c;
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("redis not reachable: " + e.getMessage(), e);
                }
                if (closing) {
                    throw new IllegalStateException("the bridge was closed while connecting", e);
                }
                LockSupport.parkNanos(backoff.nextDelayNs());
            }
        }
    }

    /**
     * The shard's epoch, retried until {@code redis.startupTimeoutMs}: in a cluster one master may be
     * restarting or failing over while a pod starts; past the deadline the pod does not start (it
     * would have no numbering for that shard).
     */
    private static String establishEpoch(RedisLink control, String key, long deadlineNs) {
        final Backoff backoff = new Backoff(50, 500);
        while (true) {
            try {
                return Epochs.establish(control.sync(), key);
            } catch (RuntimeException e) {
                if (System.nanoTime() - deadlineNs > 0) {
                    throw new IllegalStateException("redis epoch " + key + " not readable: " + e.getMessage(), e);
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

    /**
     * A bridge thread that throws out of its duty cycle is a bug or an exhausted JVM, not a Redis
     * fault (those are handled inside the agents): the engine fails fast, as for the sequencer.
     * After {@link #close} an escaping throwable is the shutdown's and is ignored.
     */
    private void agentFailed(String threadName, Throwable t) {
        if (!closing) {
            engine.fail(threadName, t);
        }
    }

    /**
     * Starts the readiness heartbeat (see {@link BridgeHeartbeat}) on a connection of its own.
     *
     * @return the heartbeat, whose {@code notReadyReason()} readiness asks
     */
    public synchronized BridgeHeartbeat startHeartbeat(long intervalMs, long maxLagMs) {
        if (heartbeat == null) {
            final BridgeHeartbeat hb = new BridgeHeartbeat(
                    readers.size(), keys, Epochs.newEpoch(), intervalMs, maxLagMs, settings.readBlockMs());
            hb.useConnection(connect(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.startupTimeoutMs())));
            for (StreamReader r : readers) {
                r.reportReadsTo(hb);
            }
            agents.start(hb);
            heartbeat = hb;
        }
        return heartbeat;
    }

    /**
     * Tests only: runs {@code task} once on shard {@code shard}'s writer thread, at the top of its
     * next turn. A task that throws kills the thread, as a bug would ({@code BridgeFatalErrorIT}).
     */
    public void injectIntoWriterForTest(int shard, Runnable task) {
        writers.get(shard).injectForTest(task);
    }

    /** Tests only: see {@link StreamWriter#delayNextLocalBatchForTest}. */
    public void delayNextLocalBatchForTest(int shard, long delayNs) {
        writers.get(shard).delayNextLocalBatchForTest(delayNs);
    }

    /** Tests only: whether that delay is still to be taken. */
    public boolean localBatchDelayPendingForTest(int shard) {
        return writers.get(shard).localBatchDelayPendingForTest();
    }

    /** Tests only: as {@link #injectIntoWriterForTest}, on the shard's reader, before its next read. */
    public void injectIntoReaderForTest(int shard, Runnable task) {
        readers.get(shard).injectForTest(task);
    }

    /** The readiness heartbeat, or null before {@link #startHeartbeat}. */
    public BridgeHeartbeat heartbeat() {
        return heartbeat;
    }

    /** The engine epoch, made of the shards' epochs (see {@link ShardEpochs}). */
    public String epoch() {
        return epochs.engineEpoch();
    }

    /** Whether every shard's writer is connected and appending (false while a shard's Redis is unreachable). */
    public boolean isWriterUp() {
        if (writers.isEmpty()) {
            return false;
        }
        for (StreamWriter w : writers) {
            if (!w.isUp()) {
                return false;
            }
        }
        return true;
    }

    /** Published ticks the writers hold, waiting for Redis or in an append, over all shards. */
    public long bufferedTicks() {
        long n = 0;
        for (StreamWriter w : writers) {
            n += w.bufferedTicks();
        }
        return n;
    }

    /**
     * Whether ticks published here to some shard are numbered and delivered locally because that
     * shard's Redis is unreachable.
     */
    public boolean isDegraded() {
        for (StreamWriter w : writers) {
            if (w.isDegraded()) {
                return true;
            }
        }
        return false;
    }

    /** Stops reading and appending (ticks still buffered are dropped) and closes the connections. */
    @Override
    public void close() {
        closing = true;
        router = null;
        agents.close();
        final CompletableFuture<RedisLink> first;
        synchronized (this) {
            first = connecting;
        }
        if (first != null) {
            // A start that failed elsewhere may close the bridge while it still connects ahead.
            try {
                first.get(CLOSE_WAIT_FOR_CONNECT_MS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // it failed, or still waits for Redis: what it made is shut down below
            }
        }
        synchronized (links) {
            for (RedisLink c : links) {
                if (c.connection().isOpen()) {
                    c.connection().close();
                }
            }
        }
        if (endpoint != null) {
            endpoint.shutdown();
        }
        if (resources != null) {
            resources.shutdown(0, 2, TimeUnit.SECONDS);
        }
    }
}
