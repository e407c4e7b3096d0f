package io.tickfan.server.fanout;

import java.util.List;

/**
 * The last ticks of one symbol, oldest first, bounded by count and by age, for resume. Owned by
 * the sequencer thread. Holds one reference on each tick; eviction releases it. Remembers the
 * newest evicted tick, so it can tell whether a resume point is still fully covered.
 */
final class TickHistory {
    static final int INITIAL_SLOTS = 8;

    /** Grows by doubling up to {@link #capacity}: a symbol with few ticks costs few slots. */
    private EncodedTick[] ring;

    private final int capacity;
    private final long maxAgeNs;
    private int head;
    private int size;
    private long evictedSeq;
    private long evictedPosition;

    TickHistory(int capacity, long maxAgeNs) {
        this.capacity = capacity;
        this.ring = new EncodedTick[Math.min(capacity, INITIAL_SLOTS)];
        this.maxAgeNs = maxAgeNs;
    }

    /** Takes over the caller's reference on {@code tick}. */
    void append(EncodedTick tick, long nowNs) {
        evictOlderThan(nowNs);
        if (ring.length == 0) {
            evicted(tick);
            return;
        }
        if (size == ring.length && ring.length < capacity) {
            grow();
        }
        if (size == ring.length) {
            evicted(ring[head]);
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
        }
        ring[(head + size) % ring.length] = tick;
        size++;
    }

    private void grow() {
        final EncodedTick[] bigger = new EncodedTick[Math.min(capacity, ring.length * 2)];
        for (int i = 0; i < size; i++) {
            bigger[i] = ring[(head + i) % ring.length];
        }
        ring = bigger;
        head = 0;
    }

    /** Drops ticks ingested more than the maximum age before {@code nowNs}. */
    void evictOlderThan(long nowNs) {
        final long oldest = nowNs - maxAgeNs;
        while (size > 0 && ring[head].tick().ingestTimeNs < oldest) {
            evicted(ring[head]);
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
        }
    }

    private void evicted(EncodedTick tick) {
        // Max, not last: after a local numbering diverged (bridge) seqs may restart lower, and a
        // resume point refused once must stay refused.
        evictedSeq = Math.max(evictedSeq, tick.seq());
        evictedPosition = Math.max(evictedPosition, tick.position());
        tick.release();
    }

    /** Evicts everything and refuses every resume point up to {@code seq} from now on. */
    void refuseThrough(long seq) {
        evictAll();
        evictedSeq = Math.max(evictedSeq, seq + 1);
    }

    /** Whether every tick with seq above {@code since} is still here. */
    boolean coversSeq(long since) {
        return since >= evictedSeq;
    }

    /** Whether every tick with position above {@code position} is still here. */
    boolean coversPosition(long position) {
        return position >= evictedPosition;
    }

    /** Adds the ticks with seq above {@code since}, oldest first, each with a new reference. */
    int addAfterSeq(long since, List<EncodedTick> out) {
        int added = 0;
        for (int i = 0; i < size; i++) {
            final EncodedTick t = ring[(head + i) % ring.length];
            if (t.seq() > since) {
                out.add(t.retain());
                added++;
            }
        }
        return added;
    }

    /** Adds the ticks with position above {@code position}, oldest first, each with a new reference. */
    int addAfterPosition(long position, List<EncodedTick> out) {
        int added = 0;
        for (int i = 0; i < size; i++) {
            final EncodedTick t = ring[(head + i) % ring.length];
            if (t.position() > position) {
                out.add(t.retain());
                added++;
            }
        }
        return added;
    }

    /** Evicts everything: no resume point before the newest tick is covered any more (a gap upstream). */
    void evictAll() {
        while (size > 0) {
            evicted(ring[head]);
            ring[head] = null;
            head = (head + 1) % ring.length;
            size--;
        }
    }

    /** Releases everything and forgets what was evicted: the numbering restarts (new epoch). */
    void restart() {
        clear();
        evictedSeq = 0;
        evictedPosition = 0;
    }

    /** Releases everything. */
    void clear() {
        for (int i = 0; i < size; i++) {
            final int at = (head + i) % ring.length;
            ring[at].release();
            ring[at] = null;
        }
        head = 0;
        size = 0;
    }
}
