package io.tickfan.server.bridge;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.BrokerPort;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.SymbolTable;
import io.tickfan.server.metrics.Counters;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that appends this pod's published ticks of one shard to Redis. Publishers (event
 * loops, the demo feed) write, through {@link ShardRouter}, into a lock-free {@link IngestRing} of
 * the shard's writer; this thread drains it into a bounded buffer, cuts batches and sends each as
 * one {@code EVALSHA} of {@link AppendScript}, pipelined ({@code maxInFlightBatches} outstanding,
 * one flush per round).
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
 * <p>It also judges whether Redis is reachable for this pod: when the pipelined connection has
 * been down, appends have been failing, or the oldest append has gone unanswered for {@code
 * redis.degradedAfterMs}, it flags the pod {@link #isDegraded() degraded} and hands every tick
 * published here to this pod's own ring as well, in the order Redis will number them, so local
 * subscribers keep getting them (see decisions/0003), until appends flow again.
 */
final class StreamWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamWriter.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long NUDGE_AFTER_NS = TimeUnit.MILLISECONDS.toNanos(5);
    private static final long NUDGE_EVERY_NS = TimeUnit.MILLISECONDS.toNanos(1);
    /**
     * Park while nothing is in flight, appends flow and nothing is queued: a publish or a divergence
     * unparks the writer, so this only bounds how late a dropped idle connection is noticed. With
     * the 1 ms park, 8 idle shard writers cost 13% of a core (measured, session 4).
     */
    private static final long QUIET_PARK_NS = TimeUnit.MILLISECONDS.toNanos(50);

    /** A published tick waiting for Redis; {@code tick} is the writer's own copy (ingest time included). */
    private static final class Pending {
        final int symbolId;
        final String symbol;
        final Tick tick;
        /**
         * Handed to this pod's ring already: degraded mode can end and begin again before Redis
         * answers (a flapping connection), and a tick must reach the local ring once.
         */
        boolean deliveredHere;

        Pending(int symbolId, String symbol, Tick tick) {
            this.symbolId = symbolId;
            this.symbol = symbol;
            this.tick = tick;
        }

        int symbolId() {
            return symbolId;
        }

        String symbol() {
            return symbol;
        }

        Tick tick() {
            return tick;
        }

        long publisherSeq() {
            return tick.seq;
        }
    }

    private static final class Batch {
        final long number;
        final ArrayDeque<Pending> ticks;
        RedisFuture<Long> result;
        long sentNs;
        long readBackNs;

        Batch(long number, ArrayDeque<Pending> ticks) {
            this.number = number;
            this.ticks = ticks;
        }
    }

    private final int shard;
    private final int bufferTicks;
    private final BridgeSettings settings;
    private final RedisKeys keys;
    private final String writerId;
    private final SymbolTable symbols;
    private final Counters counters;
    private final StatefulConnection<String, String> pipe;
    private final RedisClusterAsyncCommands<String, String> async;
    private final RedisLink control;
    private final IngestRing outbound;
    private final ArrayDeque<Pending> buffer = new ArrayDeque<>();
    /** Ticks not yet confirmed appended as of this thread's last turn ({@link #unconfirmed}), for the metrics. */
    private volatile int bufferedTicks;

    private final ArrayDeque<Batch> retry = new ArrayDeque<>();
    private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
    /**
     * Batches Redis applied that this pod's reader has not yet read back: were Redis lost now, their
     * ticks would reach no subscriber here until it is back, so degraded mode delivers them too.
     */
    private final ArrayDeque<Batch> unread = new ArrayDeque<>();

    private long unreadTicks;
    /**
     * Batches this pod's reader read back in the last {@code redis.rejoinResendMs}, up to half of
     * {@code redis.rejoinMatchTicks} ticks: another pod's reader may be behind this one's, so a Redis restarted empty gets these
     * again too; every pod drops by digest the ones it delivered (decision 0003).
     */
    private final ArrayDeque<Batch> readLately = new ArrayDeque<>();

    private long readLatelyTicks;
    /**
     * When this writer first found appends not flowing (0 while they flow): {@link #readLately}
     * ages against this moment, not the clock, while Redis is away. Aged against the clock, an
     * outage longer than {@code redis.rejoinResendMs} emptied it before Redis came back, and a batch
     * this pod's reader had read and another pod's had not when Redis died was lost for that pod.
     */
    private long stalledSinceNs;

    private final OwnBatches ownBatches;
    /** Divergence markers to append ("symbol,from,to"); the sequencer offers, this thread appends. */
    private final MpscArrayQueue<String> divergences = new MpscArrayQueue<>(1024);

    private String pendingDivergence;
    private long nextBatch = 1;
    private final BrokerPort.PublishSink local;
    private final IngestRing.TickHandler onTick = this::onTick;
    private final Backoff backoff;
    private volatile boolean running = true;
    /** Tests only: run once on this thread at the top of its next turn ({@link #injectForTest}). */
    private volatile Runnable injectedForTest;
    /** Tests only: see {@link #delayNextLocalBatchForTest}. */
    private volatile long localBatchDelayForTestNs;

    private volatile boolean degraded;
    private volatile boolean parked;
    private volatile Thread thread;
    private String sha;
    private String epoch;
    private boolean up;
    private boolean everUp;
    private long retryBufferedTicks;
    private long nextAttemptNs;
    private final long degradedAfterNs;
    /**
     * Whether {@link #pipe}'s open flag says anything about this shard's master: on a cluster
     * connection it is the default node's, so a master elsewhere going down must not make every
     * shard look unreachable (appends failing or unanswered still do).
     */
    private final boolean connectionIsTheShards;
    /** Cluster: when in-flight commands were last flushed (re-routed ones may sit unflushed). */
    private long lastNudgeNs;
    /** When appends stopped flowing (failure, or the connection lost); 0 while they flow. */
    private long troubleSinceNs;

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
        this.bufferTicks = bufferTicks;
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
        this.degradedAfterNs = TimeUnit.MILLISECONDS.toNanos(settings.degradedAfterMs());
        this.local = local;
        this.ownBatches = ownBatches;
    }

    /** Any thread: queue a published tick. Never waits; a full ring is {@link IngestRing#BACK_PRESSURED}. */
    int offer(int symbolId, Tick tick, long ingestTimeNs) {
        final int result = outbound.offer(symbolId, tick, ingestTimeNs);
        if (result == IngestRing.OK && parked) {
            final Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
        return result;
    }

    /**
     * Tests only: the next batch handed to the local ring on entering degraded mode waits this long
     * after its read-back check, as a writer descheduled at that moment on a loaded machine.
     */
    void delayNextLocalBatchForTest(long delayNs) {
        localBatchDelayForTestNs = delayNs;
    }

    /** Tests only: whether the delay of {@link #delayNextLocalBatchForTest} has not been taken yet. */
    boolean localBatchDelayPendingForTest() {
        return localBatchDelayForTestNs != 0;
    }

    /** Tests only: runs {@code task} once on this writer's thread, at the top of its next turn. */
    void injectForTest(Runnable task) {
        injectedForTest = task;
        final Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    void stop() {
        running = false;
        final Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** Ticks not yet confirmed appended: waiting, in batches to retry, and in appends in flight. */
    private int unconfirmed() {
        int n = buffer.size();
        for (Batch b : retry) {
            n += b.ticks.size();
        }
        for (Batch b : inFlight) {
            n += b.ticks.size();
        }
        return n;
    }

    /** Any thread: published ticks waiting for (or in) an append, as of the writer's last turn. */
    int bufferedTicks() {
        return bufferedTicks;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running) {
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
                work += appendDivergences();
            }
            final long nowNs = System.nanoTime();
            nudgeInFlight(nowNs);
            judgeReachable(nowNs);
            bufferedTicks = unconfirmed();
            if (work == 0) {
                parked = true;
                if (!outbound.hasPending() && divergences.isEmpty()) {
                    LockSupport.parkNanos(
                            !inFlight.isEmpty()
                                    ? IDLE_PARK_NS / 20
                                    : up && troubleSinceNs == 0 && !degraded ? QUIET_PARK_NS : IDLE_PARK_NS);
                }
                parked = false;
            }
        }
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
     * Degraded while the connection is down, appends fail, or the oldest append in flight is older
     * than {@code redis.degradedAfterMs}: a SIGKILLed Redis closes the socket at once, but Lettuce
     * keeps the commands in flight to replay them after a reconnect, so their answers alone would
     * take the whole command timeout to say anything.
     */
    private void judgeReachable(long nowNs) {
        final boolean trouble = !up || (connectionIsTheShards && !pipe.isOpen());
        if (!trouble) {
            troubleSinceNs = 0;
        } else if (troubleSinceNs == 0) {
            troubleSinceNs = nowNs;
        }
        final boolean stale = !inFlight.isEmpty() && nowNs - inFlight.peekFirst().sentNs > degradedAfterNs;
        // Once degraded, any trouble keeps it so: an append failing after going unanswered empties
        // the in-flight queue, and must not end degraded mode while Redis is still away.
        final boolean nowDegraded =
                stale || (troubleSinceNs != 0 && (degraded || nowNs - troubleSinceNs > degradedAfterNs));
        if (nowDegraded != degraded) {
            if (nowDegraded) {
                deliverPendingLocally();
            }
            degraded = nowDegraded;
            if (nowDegraded) {
                counters.addShared(Counters.Counter.BRIDGE_DEGRADED, 1);
                LOG.warn(
                        "redis shard {} unreachable for over {} ms: numbering and delivering its ticks published here "
                                + "locally, buffering them for Redis",
                        shard,
                        settings.degradedAfterMs());
            } else {
                LOG.info(
                        "redis shard {} appends flowing again: leaving degraded mode, {} ticks to resend",
                        shard,
                        backlog());
            }
        }
    }

    /**
     * Entering degraded mode: every tick Redis may have numbered or may still number that this pod
     * has not delivered goes to this pod's ring, in the order Redis numbers it (applied but not read
     * back, in flight, retry queue, buffer, as {@link #requeue} keeps them), so the local numbering
     * can come out identical.
     * From then on each tick is delivered as it is drained, still in that order. Only this thread
     * feeds the local ring in degraded mode, which is what keeps the two orders the same.
     */
    private void deliverPendingLocally() {
        forgetReadBack();
        for (Batch b : unread) {
            deliverBatchLocally(b);
        }
        for (Batch b : inFlight) {
            deliverBatchLocally(b);
        }
        for (Batch b : retry) {
            deliverBatchLocally(b);
        }
        buffer.forEach(this::deliverLocally);
    }

    /**
     * A batch Redis may have applied: its ticks go to the local ring unless this pod's reader took
     * it, the judgement and the offers under {@link OwnBatches}' gate (else the reader could take it
     * in between and its copies reach the sequencer first: see there).
     */
    private void deliverBatchLocally(Batch b) {
        if (!ownBatches.beginLocalDelivery(shard, b.number)) {
            return;
        }
        try {
            final long delayNs = localBatchDelayForTestNs;
            if (delayNs > 0 && !b.ticks.isEmpty() && !b.ticks.peekLast().deliveredHere) {
                localBatchDelayForTestNs = 0;
                LockSupport.parkNanos(delayNs);
            }
            b.ticks.forEach(this::deliverLocally);
        } finally {
            ownBatches.endLocalDelivery(shard);
        }
    }

    private void deliverLocally(Pending p) {
        if (p.deliveredHere) {
            return;
        }
        p.deliveredHere = true;
        if (local.offer(p.symbolId(), p.tick(), p.tick().ingestTimeNs) != IngestRing.OK) {
            // A full ring is waited out rather than skip a tick this pod must number.
            RingRetry.untilAccepted(() -> local.offer(p.symbolId(), p.tick(), p.tick().ingestTimeNs), () -> running);
        }
    }

    /**
     * The sequencer thread: seqs {@code from..to} of {@code symbol} were handed out here and Redis
     * numbered them differently. Never blocks; a full queue drops the marker, logged (a handful per
     * outage at most: one per symbol published on two pods).
     */
    void diverged(String symbol, long from, long to) {
        if (!divergences.offer(symbol + "," + from + "," + to)) {
            LOG.warn("divergence marker queue full, {} {}..{} not announced to other pods", symbol, from, to);
        }
        final Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * Appends queued divergence markers, one synchronous XADD each on the control connection: rare
     * (per symbol per outage), and it lands after the ticks it is about, since the sequencer saw
     * those come back. A failure keeps the marker for the next attempt.
     */
    private int appendDivergences() {
        int done = 0;
        while (pendingDivergence != null || (pendingDivergence = divergences.poll()) != null) {
            try {
                control.sync()
                        .xadd(
                                keys.stream(shard),
                                XAddArgs.Builder.maxlen(settings.maxLen()).approximateTrimming(),
                                StreamEntries.EPOCH,
                                epoch,
                                StreamEntries.DIVERGED,
                                pendingDivergence);
            } catch (RuntimeException e) {
                return done; // Redis is failing again: retried on a later turn
            }
            pendingDivergence = null;
            done++;
        }
        return done;
    }

    /** Any thread: whether ticks published here are also numbered and delivered locally. */
    boolean isDegraded() {
        return degraded;
    }

    private void onTick(int symbolId, Tick tick) {
        final String symbol = symbols.name(symbolId);
        final Pending p = new Pending(symbolId, symbol, new Tick().copyFrom(tick));
        if (degraded) {
            deliverLocally(p);
        }
        buffer.addLast(p);
        final long over = buffer.size() + retryBufferedTicks - bufferTicks;
        if (over > 0) {
            dropOldest(over);
        }
    }

    private void dropOldest(long count) {
        long dropped = 0;
        while (dropped < count && !retry.isEmpty()) {
            final Batch b = retry.peekFirst();
            b.ticks.pollFirst();
            retryBufferedTicks--;
            dropped++;
            if (b.ticks.isEmpty()) {
                retry.pollFirst();
            }
        }
        while (dropped < count && buffer.pollFirst() != null) {
            dropped++;
        }
        counters.addShared(Counters.Counter.BRIDGE_DROPPED, dropped);
    }

    private int send() {
        int sent = 0;
        while (inFlight.size() < settings.maxInFlightBatches() && !retry.isEmpty()) {
            final Batch b = retry.pollFirst();
            retryBufferedTicks -= b.ticks.size();
            dispatch(b);
            sent++;
        }
        while (inFlight.size() < settings.maxInFlightBatches() && !buffer.isEmpty()) {
            cutBatches();
            sent++;
        }
        if (sent > 0) {
            pipe.flushCommands();
        }
        return sent;
    }

    /** Takes up to batchTicks ticks off the buffer as one batch, in order. */
    private void cutBatches() {
        final ArrayDeque<Pending> ticks = new ArrayDeque<>(Math.min(buffer.size(), settings.batchTicks()));
        while (ticks.size() < settings.batchTicks() && !buffer.isEmpty()) {
            ticks.addLast(buffer.pollFirst());
        }
        dispatch(new Batch(nextBatch++, ticks));
    }

    /**
     * One EVALSHA for the batch: its ticks grouped by symbol (first appearance order, each symbol's
     * ticks in publish order), so Redis numbers each symbol's run with one HINCRBY.
     */
    private void dispatch(Batch b) {
        final Map<String, List<Pending>> bySymbol = new LinkedHashMap<>();
        for (Pending p : b.ticks) {
            bySymbol.computeIfAbsent(p.symbol(), k -> new ArrayList<>()).add(p);
        }
        final StringBuilder payload = new StringBuilder(b.ticks.size() * 96);
        final List<String> runs = new ArrayList<>();
        String prevSymbol = null;
        long prevSeq = 0;
        int runCount = 0;
        for (List<Pending> group : bySymbol.values()) {
            for (Pending p : group) {
                if (StreamEntries.startsRun(prevSymbol, prevSeq, p.symbol(), p.publisherSeq())) {
                    if (runCount > 0) {
                        runs.add(Integer.toString(runCount));
                    }
                    runs.add(p.symbol());
                    runs.add(Long.toString(p.publisherSeq()));
                    runCount = 0;
                }
                runCount++;
                StreamEntries.writeLine(payload, p.symbol(), p.tick(), p.tick().ingestTimeNs);
                prevSymbol = p.symbol();
                prevSeq = p.publisherSeq();
            }
        }
        runs.add(Integer.toString(runCount));
        final String[] argv = new String[AppendScript.FIXED_ARGS + runs.size()];
        argv[0] = epoch;
        argv[1] = writerId;
        argv[2] = Long.toString(b.number);
        argv[3] = Long.toString(settings.maxLen());
        argv[4] = payload.toString();
        for (int i = 0; i < runs.size(); i++) {
            argv[AppendScript.FIXED_ARGS + i] = runs.get(i);
        }
        final String[] k = {keys.stream(shard), keys.seq(shard), keys.writers(shard), keys.epoch(shard)};
        b.result = async.evalsha(sha, ScriptOutputType.INTEGER, k, argv);
        b.sentNs = System.nanoTime();
        inFlight.addLast(b);
    }

    private int completeInFlight() {
        int done = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().result.isDone()) {
            final Batch b = inFlight.pollFirst();
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
                requeue(b);
                up = false;
                nextAttemptNs = System.nanoTime();
            } else if (written == AppendScript.DUPLICATE_BATCH) {
                counters.addShared(Counters.Counter.BRIDGE_DUPLICATE_BATCHES, 1);
                awaitReadBack(b);
            } else {
                counters.addShared(Counters.Counter.BRIDGE_APPENDED, written);
                awaitReadBack(b);
            }
        }
        return done;
    }

    /** Keeps an applied batch until the reader saw it; bounded like the buffer (oldest forgotten). */
    private void awaitReadBack(Batch b) {
        unread.addLast(b);
        unreadTicks += b.ticks.size();
        while (unreadTicks > bufferTicks && unread.size() > 1) {
            unreadTicks -= unread.pollFirst().ticks.size();
        }
    }

    /** Drops the batches the shard's reader has read back (batches complete in order). */
    private void forgetReadBack() {
        while (!unread.isEmpty()) {
            final Batch b = unread.peekFirst();
            if (b.number > ownBatches.readBack(shard)) {
                return;
            }
            unread.pollFirst();
            unreadTicks -= b.ticks.size();
            b.readBackNs = System.nanoTime();
            readLately.addLast(b);
            readLatelyTicks += b.ticks.size();
        }
        final long nowNs = System.nanoTime();
        if (appendsFlowing(nowNs)) {
            stalledSinceNs = 0;
        } else if (stalledSinceNs == 0) {
            stalledSinceNs = nowNs;
        }
        final long oldNs = (stalledSinceNs == 0 ? nowNs : stalledSinceNs)
                - TimeUnit.MILLISECONDS.toNanos(settings.rejoinResendMs());
        while (!readLately.isEmpty()
                && (readLatelyTicks > settings.rejoinMatchTicks() / 2
                        || readLately.peekFirst().readBackNs - oldNs < 0)) {
            readLatelyTicks -= readLately.pollFirst().ticks.size();
        }
    }

    /** Connected, resynced, and no append unanswered for {@code redis.degradedAfterMs}. */
    private boolean appendsFlowing(long nowNs) {
        return up
                && (!connectionIsTheShards || pipe.isOpen())
                && (inFlight.isEmpty() || nowNs - inFlight.peekFirst().sentNs <= degradedAfterNs);
    }

    private void failed(Batch first, Exception e) {
        if (up) {
            LOG.warn("redis append to shard {} failed, buffering and reconnecting: {}", shard, e.toString());
        }
        requeue(first);
        up = false;
        nextAttemptNs = System.nanoTime() + backoff.nextDelayNs();
    }

    /** Puts {@code first} and everything in flight behind it back in front of the retry queue, in order. */
    private void requeue(Batch first) {
        final ArrayDeque<Batch> back = new ArrayDeque<>();
        back.addLast(first);
        while (!inFlight.isEmpty()) {
            back.addLast(inFlight.pollFirst());
        }
        while (!back.isEmpty()) {
            final Batch b = back.pollLast();
            retryBufferedTicks += b.ticks.size();
            retry.addFirst(b);
        }
    }

    /**
     * A new epoch: Redis restarted empty, so the batches it applied lately are gone from it, perhaps
     * before some pod read them. Those not read back here, and those read back lately (another pod's
     * reader may be behind), go to the front of the retry queue, in Redis's order, and are numbered
     * again in the new epoch; every pod's sequencer drops by digest those it delivered already.
     */
    private void requeueUnread() {
        forgetReadBack();
        while (!unread.isEmpty()) {
            final Batch b = unread.pollLast();
            retryBufferedTicks += b.ticks.size();
            retry.addFirst(b);
        }
        unreadTicks = 0;
        while (!readLately.isEmpty()) {
            final Batch b = readLately.pollLast();
            retryBufferedTicks += b.ticks.size();
            retry.addFirst(b);
        }
        readLatelyTicks = 0;
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
        return buffer.size() + retryBufferedTicks;
    }
}
