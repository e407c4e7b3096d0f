package io.tickfan.server.bridge;

import io.tickfan.server.metrics.Counters;
import java.util.ArrayDeque;

/**
 * A {@link StreamWriter}'s ticks waiting for an append, in the order Redis is to number them:
 * batches to resend first (they failed or Redis lost them, with their batch numbers), then the
 * buffer of ticks not cut into a batch yet. Bounded: past {@code maxTicks} the oldest are dropped,
 * and counted. The writer's thread only, except {@link #backlog()} (approximate elsewhere).
 */
final class AppendQueue {
    private final int maxTicks;
    private final Counters counters;
    private final ArrayDeque<AppendBatch> retry = new ArrayDeque<>();
    private final ArrayDeque<PendingTick> buffer = new ArrayDeque<>();
    private long retryTicks;
    private long nextBatch = 1;

    AppendQueue(int maxTicks, Counters counters) {
        this.maxTicks = maxTicks;
        this.counters = counters;
    }

    /** A newly published tick, at the end; drops the oldest past the bound. */
    void add(PendingTick p) {
        buffer.addLast(p);
        final long over = buffer.size() + retryTicks - maxTicks;
        if (over > 0) {
            dropOldest(over);
        }
    }

    private void dropOldest(long count) {
        long dropped = 0;
        while (dropped < count && !retry.isEmpty()) {
            final AppendBatch b = retry.peekFirst();
            b.ticks.pollFirst();
            retryTicks--;
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

    boolean isEmpty() {
        return retry.isEmpty() && buffer.isEmpty();
    }

    /** The next batch to send: the first to resend, else up to {@code batchTicks} ticks of the buffer, in order. */
    AppendBatch next(int batchTicks) {
        final AppendBatch again = retry.pollFirst();
        if (again != null) {
            retryTicks -= again.ticks.size();
            return again;
        }
        final ArrayDeque<PendingTick> ticks = new ArrayDeque<>(Math.min(buffer.size(), batchTicks));
        while (ticks.size() < batchTicks && !buffer.isEmpty()) {
            ticks.addLast(buffer.pollFirst());
        }
        return new AppendBatch(nextBatch++, ticks);
    }

    /** Puts {@code first} and then everything in {@code inFlight} (emptied) back in front, in that order. */
    void resend(AppendBatch first, ArrayDeque<AppendBatch> inFlight) {
        final ArrayDeque<AppendBatch> back = new ArrayDeque<>();
        back.addLast(first);
        while (!inFlight.isEmpty()) {
            back.addLast(inFlight.pollFirst());
        }
        while (!back.isEmpty()) {
            final AppendBatch b = back.pollLast();
            retryTicks += b.ticks.size();
            retry.addFirst(b);
        }
    }

    /** A new epoch: every batch of {@code window} goes in front, numbered again ({@link ResendWindow#moveTo}). */
    void resend(ResendWindow window) {
        retryTicks += window.moveTo(retry);
    }

    /** Ticks waiting: in batches to resend and in the buffer. */
    long backlog() {
        return buffer.size() + retryTicks;
    }

    /** Degraded mode begins: the waiting ticks go to the local ring, in this queue's order. */
    void deliverTo(DegradedMode degraded) {
        for (AppendBatch b : retry) {
            degraded.deliverBatch(b);
        }
        buffer.forEach(degraded::deliver);
    }
}
