package io.tickfan.server.bridge;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.BrokerPort;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.SymbolTable;
import io.tickfan.server.fanout.WakeableIdleStrategy;
import io.tickfan.server.metrics.Counters;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent that appends this pod's published ticks of one shard to Redis ({@code
 * tickfan-redis-writer-N}). Publishers (event loops, the demo feed) write, through {@link
 * ShardRouter}, into a lock-free {@link IngestRing} of the shard's writer; the writer drains it
 * into a bounded {@link AppendQueue}, cuts batches and sends each as one {@code EVALSHA} of {@link
 * AppendScript}, pipelined ({@code maxInFlightBatches} outstanding, one flush per round).
 *
 * <p>One writer per shard, not per pod: in a Redis Cluster the shards live on different masters,
 * and one master away must not hold up the others' appends (a shared writer would wait on the
 * lost master's answers in order, and its resync would need every master). A single Redis pays a
 * thread and a connection per shard for the same code path; one shard is the default.
 *
 * <p>When Redis fails, the batches in flight go back to the front of the queue with their batch
 * numbers and are resent after a resync (script load, epoch), with exponential backoff between
 * attempts. Meanwhile the buffer keeps at most {@code outboundBufferTicks} ticks, dropping (and
 * counting) the oldest. Resending is safe: the script applies a writer's batch number once.
 *
 * <p>It also judges, through {@link DegradedMode}, whether Redis is reachable for this pod: when the
 * pipelined connection has been down, appends have been failing, or the oldest append has gone
 * unanswered for {@code redis.degradedAfterMs}, the shard is {@link #isDegraded() degraded} and
 * every tick published here goes to this pod's own ring as well, in the order Redis will number
 * them, so local subscribers keep getting them (see decisions/0003), until appends flow again.
 * Batches Redis applied are kept a while in a {@link ResendWindow}, for a Redis restarted empty.
 */
final class StreamWriter implements BridgeAgents.BridgeAgent {
    private static final Logger LOG = LoggerFactory.getLogger(StreamWriter.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /** While appends are in flight their answers are polled this often (nothing wakes the writer for them). */
    private static final long IN_FLIGHT_PARK_NS = IDLE_PARK_NS / 20;

    private static final long NUDGE_AFTER_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long NUDGE_EVERY_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * Park while nothing is in flight, appends flow and nothing is queued: a publish or a divergence
     * wakes the writer, so this only bounds how late a dropped idle connection is noticed. With
     * the 1 ms park, 8 idle shard writers cost 13% of a core (measured, session 4).
     */
    private static final long QUIET_PARK_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final int shard;
    private final BridgeSettings settings;
    private final RedisKeys keys;
    private final String writerId;
    private final SymbolTable symbols;
    private final Counters counters;
    private final StatefulConnection<String, String> pipe;
    private final RedisClusterAsyncCommands<String, String> async;
    private final RedisLink control;
    private final IngestRing outbound;
    private final AppendQueue queue;
    /** Ticks not yet confirmed appended as of this agent's last turn ({@link #unconfirmed}), for the metrics. */
    private volatile int bufferedTicks;

    private final ArrayDeque<AppendBatch> inFlight = new ArrayDeque<>();
    private final ResendWindow window;
    private final OwnBatches ownBatches;
    private final DivergenceMarkers divergences = new DivergenceMarkers();
    private final DegradedMode degraded;
    private final WakeableIdleStrategy idle = WakeableIdleStrategy.parking(this::maxParkNs);
    private final IngestRing.TickHandler onTick = this::onTick;
    private final Backoff backoff;
    private volatile boolean running = true;
    /** Tests only: run once on this agent's thread at the top of its next turn ({@link #injectForTest}). */
    private volatile Runnable injectedForTest;

    private String sha;
    private String epoch;
    private boolean up;
    private boolean everUp;
    private long nextAttemptNs;
    /**
     * Whether {@link #pipe}'s open flag says anything about this shard's master: on a cluster
     * connection it is the default node's, so a master elsewhere going down must not make every
     * shard look unreachable (appends failing or unanswered still do).
     */
    private final boolean connectionIsTheShards;
    /** Cluster: when in-flight commands were last flushed (re-routed ones may sit unflushed). */
    private long lastNudgeNs;

    StreamWriter(
            int shard,
            int bufferTicks,
            BridgeSettings settings,
            RedisKeys keys,
            String writerId,
            SymbolTable symbols,
            Counters counters,
            RedisLink pipe,
            RedisLink control,
            int outboundRingBytes,
            BrokerPort.PublishSink local,
            OwnBatches ownBatches) {
        this.shard = shard;
        this.settings = settings;
        this.keys = keys;
        this.writerId = writerId;
        this.symbols = symbols;
        this.counters = counters;
        this.pipe = pipe.connection();
        this.connectionIsTheShards = !(this.pipe instanceof StatefulRedisClusterConnection);
        this.pipe.setAutoFlushCommands(false);
        this.async = pipe.async();
        this.control = control;
        this.outbound = new IngestRing(outboundRingBytes);
        this.backoff = new Backoff(settings.reconnectMinMs(), settings.reconnectMaxMs());
        this.ownBatches = ownBatches;
        this.queue = new AppendQueue(bufferTicks, counters);
        this.window = new ResendWindow(bufferTicks, settings.rejoinResendMs(), settings.rejoinMatchTicks());
        this.degraded = new DegradedMode(
                shard,
                settings.degradedAfterMs(),
                counters,
                local,
                ownBatches,
                () -> running,
                this::deliverPendingLocally);
    }

    /** Any thread: queue a published tick. Never waits; a full ring is {@link IngestRing#BACK_PRESSURED}. */
    int offer(int symbolId, Tick tick, long ingestTimeNs) {
        final int result = outbound.offer(symbolId, tick, ingestTimeNs);
        if (result == IngestRing.OK) {
            idle.wake();
        }
        return result;
    }

    /** Tests only: see {@link DegradedMode#delayNextLocalBatchForTest}. */
    void delayNextLocalBatchForTest(long delayNs) {
        degraded.delayNextLocalBatchForTest(delayNs);
    }

    /** Tests only: whether that delay has not been taken yet. */
    boolean localBatchDelayPendingForTest() {
        return degraded.localBatchDelayPendingForTest();
    }

    /** Tests only: runs {@code task} once on this writer's thread, at the top of its next turn. */
    void injectForTest(Runnable task) {
        injectedForTest = task;
        idle.wake();
    }

    @Override
    public void stop() {
        running = false;
        idle.wake();
    }

    @Override
    public WakeableIdleStrategy idle() {
        return idle;
    }

    @Override
    public String roleName() {
        return "tickfan-redis-writer-" + shard;
    }

    /** Ticks not yet confirmed appended: waiting, and in appends in flight. */
    private int unconfirmed() {
        int n = (int) queue.backlog();
        for (AppendBatch b : inFlight) {
            n += b.ticks.size();
        }
        return n;
    }

    /** Any thread: published ticks waiting for (or in) an append, as of the writer's last turn. */
    int bufferedTicks() {
        return bufferedTicks;
    }

    @Override
    public int doWork() {
        if (!running) {
            throw BridgeAgents.stopped();
        }
        final Runnable injected = injectedForTest;
        if (injected != null) {
            injectedForTest = null;
            injected.run();
        }
        int work = outbound.drain(onTick, 4096);
        work += completeInFlight();
        forgetReadBack();
        if (!up && System.nanoTime() - nextAttemptNs >= 0) {
            resync();
        }
        if (up) {
            work += send();
            work += divergences.appendTo(control, keys.stream(shard), epoch, settings.maxLen());
        }
        final long nowNs = System.nanoTime();
        nudgeInFlight(nowNs);
        degraded.judge(
                nowNs,
                !up || (connectionIsTheShards && !pipe.isOpen()),
                !inFlight.isEmpty() && degraded.stale(inFlight.peekFirst().sentNs, nowNs),
                backlog());
        bufferedTicks = unconfirmed();
        return work;
    }

    /** The idle strategy's question, after a turn without work. */
    private long maxParkNs() {
        if (!running || outbound.hasPending() || !divergences.isEmpty() || injectedForTest != null) {
            return 0;
        }
        if (!inFlight.isEmpty()) {
            return IN_FLIGHT_PARK_NS;
        }
        return up && degraded.quiet() ? QUIET_PARK_NS : IDLE_PARK_NS;
    }

    /**
     * Cluster: with auto-flush off, a command Lettuce re-routes after MOVED/ASK, or queues for a
     * node connection still opening, waits for the next flush, which only a new batch would bring.
     * An append unanswered for a few ms gets a flush (at most one per ms).
     */
    private void nudgeInFlight(long nowNs) {
        if (!connectionIsTheShards
                && !inFlight.isEmpty()
                && nowNs - inFlight.peekFirst().sentNs > NUDGE_AFTER_NS
                && nowNs - lastNudgeNs > NUDGE_EVERY_NS) {
            lastNudgeNs = nowNs;
            pipe.flushCommands();
        }
    }

    /**
     * Entering degraded mode: every tick Redis may have numbered or may still number that this pod
     * has not delivered goes to this pod's ring, in the order Redis numbers it (applied but not read
     * back, in flight, then the {@link AppendQueue}), so the local numbering
     * can come out identical. From then on each tick is delivered as it is drained, still in that
     * order.
     */
    private void deliverPendingLocally() {
        forgetReadBack();
        for (AppendBatch b : window.unread()) {
            degraded.deliverBatch(b);
        }
        for (AppendBatch b : inFlight) {
            degraded.deliverBatch(b);
        }
        queue.deliverTo(degraded);
    }

    /**
     * The sequencer thread: seqs {@code from..to} of {@code symbol} were handed out here and Redis
     * numbered them differently. Never blocks (see {@link DivergenceMarkers#offer}).
     */
    void diverged(String symbol, long from, long to) {
        divergences.offer(symbol, from, to);
        idle.wake();
    }

    /** Any thread: whether ticks published here are also numbered and delivered locally. */
    boolean isDegraded() {
        return degraded.isDegraded();
    }

    private void onTick(int symbolId, Tick tick) {
        final PendingTick p = new PendingTick(symbolId, symbols.name(symbolId), new Tick().copyFrom(tick));
        if (degraded.isDegraded()) {
            degraded.deliver(p);
        }
        queue.add(p);
    }

    private int send() {
        int sent = 0;
        while (inFlight.size() < settings.maxInFlightBatches() && !queue.isEmpty()) {
            dispatch(queue.next(settings.batchTicks()));
            sent++;
        }
        if (sent > 0) {
            pipe.flushCommands();
        }
        return sent;
    }

    /** One EVALSHA for the batch (see {@link AppendScript#argv}). */
    private void dispatch(AppendBatch b) {
        b.result = async.evalsha(
                sha,
                ScriptOutputType.INTEGER,
                AppendScript.keys(keys, shard),
                AppendScript.argv(b, epoch, writerId, settings.maxLen()));
        b.sentNs = System.nanoTime();
        inFlight.addLast(b);
    }

    private int completeInFlight() {
        int done = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().result.isDone()) {
            final AppendBatch b = inFlight.pollFirst();
            done++;
            final long written;
            try {
                written = b.result.get();
            } catch (ExecutionException | RuntimeException e) {
                failed(b, e);
                return done;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return done;
            }
            if (written == AppendScript.EPOCH_MISMATCH) {
                // Redis lost the epoch (restarted empty) or moved on: re-read it now, then resend.
                queue.resend(b, inFlight);
                up = false;
                nextAttemptNs = System.nanoTime();
            } else if (written == AppendScript.DUPLICATE_BATCH) {
                counters.addShared(Counters.Counter.BRIDGE_DUPLICATE_BATCHES, 1);
                window.applied(b);
            } else {
                counters.addShared(Counters.Counter.BRIDGE_APPENDED, written);
                window.applied(b);
            }
        }
        return done;
    }

    /** Moves the batches the shard's reader has read back out of the unread part of the window. */
    private void forgetReadBack() {
        final long nowNs = System.nanoTime();
        window.advance(ownBatches.readBack(shard), appendsFlowing(nowNs), nowNs);
    }

    /** Connected, resynced, and no append unanswered for {@code redis.degradedAfterMs}. */
    private boolean appendsFlowing(long nowNs) {
        return up
                && (!connectionIsTheShards || pipe.isOpen())
                && (inFlight.isEmpty() || !degraded.stale(inFlight.peekFirst().sentNs, nowNs));
    }

    private void failed(AppendBatch first, Exception e) {
        if (up) {
            LOG.warn("redis append to shard {} failed, buffering and reconnecting: {}", shard, e.toString());
        }
        queue.resend(first, inFlight);
        up = false;
        nextAttemptNs = System.nanoTime() + backoff.nextDelayNs();
    }

    /**
     * A new epoch: Redis restarted empty, so the batches it applied lately are gone from it, perhaps
     * before some pod read them. Those in the {@link ResendWindow} go to the front of the retry
     * queue, in Redis's order, and are numbered again in the new epoch; every pod's sequencer drops
     * by digest those it delivered already.
     */
    private void requeueUnread() {
        forgetReadBack();
        queue.resend(window);
    }

    private void resync() {
        if (!inFlight.isEmpty()) {
            return; // wait until every outstanding batch has an answer (or timed out)
        }
        if (connectionIsTheShards && !pipe.isOpen()) {
            // Lettuce is still reconnecting the pipelined connection: appending now would only be rejected.
            nextAttemptNs = System.nanoTime() + backoff.nextDelayNs();
            return;
        }
        try {
            sha = control.loadScript(AppendScript.LUA, keys.stream(shard));
            final String previous = epoch;
            epoch = Epochs.establish(control.sync(), keys.epoch(shard));
            if (previous != null && !previous.equals(epoch)) {
                requeueUnread();
            }
            up = true;
            backoff.reset();
            if (everUp) {
                counters.addShared(Counters.Counter.BRIDGE_RECONNECTS, 1);
                LOG.info("redis append to shard {} resumed, {} ticks to resend", shard, backlog());
            }
            everUp = true;
        } catch (RuntimeException e) {
            nextAttemptNs = System.nanoTime() + backoff.nextDelayNs();
        }
    }

    /** Whether the last resync succeeded and no append failed since. */
    boolean isUp() {
        return up;
    }

    /** Ticks waiting to be appended (buffer plus batches to resend); writer thread view, approximate elsewhere. */
    long backlog() {
        return queue.backlog();
    }
}
