package io.tickfan.server.bridge;

import io.tickfan.server.fanout.BrokerPort;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.metrics.Counters;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether one shard's Redis is reachable for this pod, as its {@link StreamWriter} judges it, and
 * while it is not, the delivery of the ticks published here to this pod's own ring (see decision
 * 0003). Degraded while the connection is down, appends fail, or the oldest append in flight is
 * older than {@code redis.degradedAfterMs}: a SIGKILLed Redis closes the socket at once, but
 * Lettuce keeps the commands in flight to replay them after a reconnect, so their answers alone
 * would take the whole command timeout to say anything.
 *
 * <p>Only the writer's thread calls it, except {@link #isDegraded()}; only that thread feeds the
 * local ring in degraded mode, which is what keeps the local order the one Redis numbers.
 */
final class DegradedMode {
    private static final Logger LOG = LoggerFactory.getLogger(DegradedMode.class);

    private final int shard;
    private final long degradedAfterNs;
    private final Counters counters;
    private final BrokerPort.PublishSink local;
    private final OwnBatches ownBatches;
    private final BooleanSupplier running;
    private final Runnable deliverPending;
    private volatile boolean degraded;
    /** When appends stopped flowing (failure, or the connection lost); 0 while they flow. */
    private long troubleSinceNs;
    /** Tests only: see {@link #delayNextLocalBatchForTest}. */
    private volatile long localBatchDelayForTestNs;

    /**
     * @param running false once the writer stops: a wait on a full local ring ends then
     * @param deliverPending the writer's thread, on turning degraded: see {@link #judge}
     */
    DegradedMode(
            int shard,
            long degradedAfterMs,
            Counters counters,
            BrokerPort.PublishSink local,
            OwnBatches ownBatches,
            BooleanSupplier running,
            Runnable deliverPending) {
        this.shard = shard;
        this.degradedAfterNs = TimeUnit.MILLISECONDS.toNanos(degradedAfterMs);
        this.counters = counters;
        this.local = local;
        this.ownBatches = ownBatches;
        this.running = running;
        this.deliverPending = deliverPending;
    }

    /** Any thread: whether ticks published here to this shard are also numbered and delivered locally. */
    boolean isDegraded() {
        return degraded;
    }

    /** Whether appends flow and the shard is not degraded: the writer may idle longer. */
    boolean quiet() {
        return troubleSinceNs == 0 && !degraded;
    }

    /** Whether the oldest append in flight, sent at {@code oldestSentNs}, has gone unanswered too long. */
    boolean stale(long oldestSentNs, long nowNs) {
        return nowNs - oldestSentNs > degradedAfterNs;
    }

    /**
     * Judges the shard now. On turning degraded it first runs the writer's {@code deliverPending},
     * which hands every tick Redis may number, in that order, to {@link #deliverBatch} and {@link
     * #deliver}; ticks drained after that are delivered as they come.
     *
     * @param trouble the writer is not resynced, or its connection is down
     * @param stale the oldest append in flight has gone unanswered too long ({@link #stale})
     * @param backlog ticks waiting to be appended (for the log line)
     */
    void judge(long nowNs, boolean trouble, boolean stale, long backlog) {
        if (!trouble) {
            troubleSinceNs = 0;
        } else if (troubleSinceNs == 0) {
            troubleSinceNs = nowNs;
        }
        // Once degraded, any trouble keeps it so: an append failing after going unanswered empties
        // the in-flight queue, and must not end degraded mode while Redis is still away.
        final boolean nowDegraded =
                stale || (troubleSinceNs != 0 && (degraded || nowNs - troubleSinceNs > degradedAfterNs));
        if (nowDegraded == degraded) {
            return;
        }
        if (nowDegraded) {
            deliverPending.run();
        }
        degraded = nowDegraded;
        if (nowDegraded) {
            counters.addShared(Counters.Counter.BRIDGE_DEGRADED, 1);
            LOG.warn(
                    "redis shard {} unreachable for over {} ms: numbering and delivering its ticks published here "
                            + "locally, buffering them for Redis",
                    shard,
                    TimeUnit.NANOSECONDS.toMillis(degradedAfterNs));
        } else {
            LOG.info("redis shard {} appends flowing again: leaving degraded mode, {} ticks to resend", shard, backlog);
        }
    }

    /**
     * A batch Redis may have applied: its ticks go to the local ring unless this pod's reader took
     * it, the judgement and the offers under {@link OwnBatches}' gate (else the reader could take it
     * in between and its copies reach the sequencer first: see there).
     */
    void deliverBatch(AppendBatch b) {
        if (!ownBatches.beginLocalDelivery(shard, b.number)) {
            return;
        }
        try {
            final long delayNs = localBatchDelayForTestNs;
            if (delayNs > 0 && !b.ticks.isEmpty() && !b.ticks.peekLast().deliveredHere) {
                localBatchDelayForTestNs = 0;
                LockSupport.parkNanos(delayNs);
            }
            b.ticks.forEach(this::deliver);
        } finally {
            ownBatches.endLocalDelivery(shard);
        }
    }

    /** {@code p} to the local ring, once; a full ring is waited out rather than skip a tick this pod must number. */
    void deliver(PendingTick p) {
        if (p.deliveredHere) {
            return;
        }
        p.deliveredHere = true;
        if (local.offer(p.symbolId, p.tick, p.tick.ingestTimeNs) != IngestRing.OK) {
            RingRetry.untilAccepted(() -> local.offer(p.symbolId, p.tick, p.tick.ingestTimeNs), running);
        }
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
}
