package io.tickfan.server.fanout;

/**
 * The last ticks of one symbol, oldest first, for resume. Owned by the sequencer thread. Holds one
 * reference on each tick; eviction releases it.
 */
final class TickHistory {
    private static final EncodedTick[] NONE = new EncodedTick[0];

    private final EncodedTick[] ring;
    private int head;
    private int size;
    /** Seq of the newest tick evicted, or 0: a resume from below it cannot be complete. */
    private long evictedSeq;

    TickHistory(int capacity) {
        this.ring = new EncodedTick[capacity];
    }

    /** Takes over the caller's reference on {@code tick}. */
    void append(EncodedTick tick) {
        if (ring.length == 0) {
            tick.release();
            return;
        }
        final int tail = (head + size) % ring.length;
        if (size == ring.length) {
            final EncodedTick evicted = ring[head];
            evictedSeq = evicted.seq();
            evicted.release();
            head = (head + 1) % ring.length;
        } else {
            size++;
        }
        ring[tail] = tick;
    }

    /** Whether every tick after {@code since} is still here (needs {@code since <= last seq}). */
    boolean covers(long since) {
        return since >= evictedSeq && (size > 0 || since == evictedSeq);
    }

    /** The ticks with seq above {@code since}, oldest first, each with a new reference for the caller. */
    EncodedTick[] after(long since) {
        int first = size;
        for (int i = size - 1; i >= 0; i--) {
            if (ring[(head + i) % ring.length].seq() <= since) {
                break;
            }
            first = i;
        }
        if (first == size) {
            return NONE;
        }
        final EncodedTick[] out = new EncodedTick[size - first];
        for (int i = first; i < size; i++) {
            out[i - first] = ring[(head + i) % ring.length].retain();
        }
        return out;
    }

    /** Releases everything; the history is empty afterwards. */
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
