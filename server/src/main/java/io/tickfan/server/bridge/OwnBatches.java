package io.tickfan.server.bridge;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Per shard, between this pod's {@link StreamReader} and {@link StreamWriter}: the newest of the
 * pod's own append batches the reader has taken back from Redis, and a gate that keeps the two
 * steps that decide who delivers a batch here apart.
 *
 * <ul>
 *   <li>The reader, for an entry this pod's writer appended: {@link #beginIngest} (notes the batch
 *       taken), offers its ticks to the ingest ring, {@link #endIngest}.
 *   <li>The writer, entering degraded mode, for a batch Redis may have applied: {@link
 *       #beginLocalDelivery} (false when the reader took it), offers its ticks to the same ring as
 *       locally numbered ones, {@link #endLocalDelivery}.
 * </ul>
 *
 * <p>Without the gate the writer could find a batch not taken, be descheduled, and offer its ticks
 * after the reader had taken the batch and offered Redis's copies, or while the reader was still
 * offering an earlier batch's: the sequencer then numbered the local copy after Redis's (delivered
 * twice), the local numbering no longer matched Redis's, and at the next tick Redis's numbering
 * took over with {@code reset} and re-delivered every local tick not yet read back (decision 0003,
 * {@code BridgeFlappingRejoinIT}). With it, a batch's ticks reach the ring either only from Redis,
 * or locally before Redis's copies, and every batch the reader took is in the ring before any later
 * batch's local copies, which is the order Redis numbered them in.
 *
 * <p>Cost: one CAS and one volatile write per own entry on the reader (an entry is a batch of up to
 * {@code redis.batchTicks} ticks), nothing on the sequencer; the gate is only contended while the
 * writer enters degraded mode, for the time to offer one batch.
 */
final class OwnBatches {
    private static final int FREE = 0;
    private static final int READER = 1;
    private static final int WRITER = 2;
    private static final int SPINS_BEFORE_PARK = 64;
    private static final long PARK_NS = 1_000;

    private final AtomicLongArray readBack;
    private final AtomicIntegerArray gate;

    OwnBatches(int shards) {
        this.readBack = new AtomicLongArray(shards);
        this.gate = new AtomicIntegerArray(shards);
    }

    /** The newest own batch the shard's reader has taken (batches are appended and read in order). */
    long readBack(int shard) {
        return readBack.get(shard);
    }

    /** Reader: own batch {@code batch} is about to be ingested. Always pair with {@link #endIngest}. */
    void beginIngest(int shard, long batch) {
        acquire(shard, READER);
        if (batch > readBack.get(shard)) {
            readBack.set(shard, batch);
        }
    }

    /** Reader: every tick of the batch is in the ingest ring (or the reader is stopping). */
    void endIngest(int shard) {
        gate.set(shard, FREE);
    }

    /**
     * Writer: whether {@code batch}'s ticks are to be delivered here by the writer, the reader not
     * having taken it. True holds the gate until {@link #endLocalDelivery}; false releases it.
     */
    boolean beginLocalDelivery(int shard, long batch) {
        acquire(shard, WRITER);
        if (batch <= readBack.get(shard)) {
            gate.set(shard, FREE);
            return false;
        }
        return true;
    }

    void endLocalDelivery(int shard) {
        gate.set(shard, FREE);
    }

    /** Held for one batch's offers at most: spin briefly, then park in microseconds. */
    private void acquire(int shard, int who) {
        int spins = 0;
        while (!gate.compareAndSet(shard, FREE, who)) {
            if (++spins < SPINS_BEFORE_PARK) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(PARK_NS);
            }
        }
    }
}
