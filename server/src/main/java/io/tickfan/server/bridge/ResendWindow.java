package io.tickfan.server.bridge;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * A {@link StreamWriter}'s batches that Redis applied and that it may have to send again (its
 * thread only). Two parts, oldest first:
 *
 * <ul>
 *   <li>unread: applied, not yet read back by this pod's reader. Were Redis lost now, their ticks
 *       would reach no subscriber here until it is back, so degraded mode delivers them too.
 *       Bounded like the writer's buffer (oldest forgotten).
 *   <li>read lately: read back in the last {@code redis.rejoinResendMs}, up to half of {@code
 *       redis.rejoinMatchTicks} ticks. Another pod's reader may be behind this one's, so a Redis
 *       restarted empty gets these again too; every pod drops by digest the ones it delivered
 *       (decision 0003).
 * </ul>
 *
 * <p>While appends do not flow, "lately" is measured back from the moment they stopped, not from
 * the clock: aged against the clock, an outage longer than {@code redis.rejoinResendMs} emptied
 * the window before Redis came back, and a batch this pod's reader had read and another pod's had
 * not when Redis died was lost for that pod.
 */
final class ResendWindow {
    private final int maxUnreadTicks;
    private final long resendNs;
    private final long maxReadLatelyTicks;
    private final ArrayDeque<AppendBatch> unread = new ArrayDeque<>();
    private final ArrayDeque<AppendBatch> readLately = new ArrayDeque<>();
    private long unreadTicks;
    private long readLatelyTicks;
    /** When appends stopped flowing; 0 while they flow. */
    private long stalledSinceNs;

    ResendWindow(int maxUnreadTicks, long rejoinResendMs, long rejoinMatchTicks) {
        this.maxUnreadTicks = maxUnreadTicks;
        this.resendNs = TimeUnit.MILLISECONDS.toNanos(rejoinResendMs);
        this.maxReadLatelyTicks = rejoinMatchTicks / 2;
    }

    /** Redis applied {@code b}: keep it until the reader saw it. */
    void applied(AppendBatch b) {
        unread.addLast(b);
        unreadTicks += b.ticks.size();
        while (unreadTicks > maxUnreadTicks && unread.size() > 1) {
            unreadTicks -= unread.pollFirst().ticks.size();
        }
    }

    /**
     * Moves the batches up to {@code readBack} (the newest batch number this pod's reader has read;
     * batches complete in order) to the read-lately part, and ages that part.
     *
     * @param appendsFlowing whether the writer's appends flow now (else the window stops aging)
     */
    void advance(long readBack, boolean appendsFlowing, long nowNs) {
        while (!unread.isEmpty() && unread.peekFirst().number <= readBack) {
            final AppendBatch b = unread.pollFirst();
            unreadTicks -= b.ticks.size();
            b.readBackNs = nowNs;
            readLately.addLast(b);
            readLatelyTicks += b.ticks.size();
        }
        if (appendsFlowing) {
            stalledSinceNs = 0;
        } else if (stalledSinceNs == 0) {
            stalledSinceNs = nowNs;
        }
        final long oldNs = (stalledSinceNs == 0 ? nowNs : stalledSinceNs) - resendNs;
        while (!readLately.isEmpty()
                && (readLatelyTicks > maxReadLatelyTicks || readLately.peekFirst().readBackNs - oldNs < 0)) {
            readLatelyTicks -= readLately.pollFirst().ticks.size();
        }
    }

    /** Applied batches not read back yet, oldest first (degraded mode delivers them). */
    Iterable<AppendBatch> unread() {
        return unread;
    }

    /**
     * A new epoch (Redis restarted empty): every batch of the window goes to the front of {@code
     * retry}, in Redis's order (read lately, then unread), and the window is empty.
     *
     * @return the ticks moved
     */
    long moveTo(ArrayDeque<AppendBatch> retry) {
        long moved = 0;
        while (!unread.isEmpty()) {
            final AppendBatch b = unread.pollLast();
            moved += b.ticks.size();
            retry.addFirst(b);
        }
        unreadTicks = 0;
        while (!readLately.isEmpty()) {
            final AppendBatch b = readLately.pollLast();
            moved += b.ticks.size();
            retry.addFirst(b);
        }
        readLatelyTicks = 0;
        return moved;
    }
}
