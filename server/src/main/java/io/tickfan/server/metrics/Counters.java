package io.tickfan.server.metrics;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's counters: one cell per counter and writer thread (padded apart), summed on read, so
 * the hot path does a plain ordered add to a cell no other thread writes.
 */
public final class Counters {
    /** What is counted. */
    public enum Counter {
        TICKS_INGESTED(0, "ticks accepted into the ingest ring (published here, demo feed, or read from Redis)"),
        TICKS_SEQUENCED(1, "ticks sequenced and encoded"),
        DELIVERIES(
                2,
                "ticks handed to subscribers on their event loops, snapshots and replays included, counted before"
                        + " maxHz throttling and conflation (an upper bound on tick frames written)"),
        DUPLICATES_DROPPED(
                3,
                "ticks dropped as duplicates (seq equal to the symbol's last: a publisher retry or a re-read entry)"),
        SEQ_REGRESSIONS(4, "ticks dropped because their seq was below the symbol's last"),
        INGEST_BACK_PRESSURED(
                5,
                "ticks refused at ingest: the ingest ring (bridged: the outbound buffer to Redis) was full, or a tick"
                        + " read from Redis named a symbol the full symbol table could not take"),
        SLOW_CONSUMER_CLOSES(6, "connections closed for falling too far behind"),
        RESETS(7, "reset snapshots sent: one per symbol whose resume point was lost"),
        REPLAYED(8, "ticks replayed on resume (from history, or from the Redis stream when bridged)"),
        BRIDGE_APPENDED(9, "ticks appended to Redis streams by this pod"),
        BRIDGE_READ(10, "ticks read from Redis streams and offered to the ingest ring"),
        BRIDGE_DROPPED(11, "outgoing ticks dropped, oldest first, while Redis was unreachable and the buffer full"),
        BRIDGE_MALFORMED(12, "malformed stream entries skipped"),
        BRIDGE_RECONNECTS(13, "bridge connections re-established after a Redis failure"),
        BRIDGE_RESETS(
                14, "shard numberings restarted (Redis restarted empty, new epoch, or stream trimmed past a reader)"),
        BRIDGE_DUPLICATE_BATCHES(15, "append batches Redis had already applied (replays after a reconnect)"),
        BRIDGE_DEGRADED(
                16, "times this pod entered degraded mode (Redis unreachable: ticks published here numbered locally)"),
        BRIDGE_LOCAL_TICKS(17, "ticks numbered and delivered by this pod alone while degraded"),
        BRIDGE_LOCAL_CONFIRMED(18, "locally numbered ticks that Redis numbered the same on re-join (delivered once)"),
        BRIDGE_LOCAL_DIVERGED(
                19, "symbols whose local numbering differed from Redis's on re-join (subscribers got reset)"),
        BRIDGE_BACKFILLED(20, "ticks a resume was served from the Redis stream because history lacked them"),
        BRIDGE_BACKFILL_FAILED(
                21, "resumes that needed the stream and got reset instead (bounds, Redis down, trimmed)"),
        BRIDGE_DIVERGED_RANGES(
                22, "diverged local numberings read from the stream (any pod's): resumes into them get reset"),
        RESUMES_WAITED(23, "resumes whose point another pod had reached first, held until this pod caught up"),
        RESUMES_WAIT_EXPIRED(24, "resumes still ahead of this pod after redis.resumeCatchUpMs (answered: reset)"),
        SYMBOLS_RECLAIMED(
                25, "interest-only symbols (subscribed, never published) forgotten after their last holder left"),
        SYMBOLS_NOT_RECLAIMED(26, "retired symbols the sequencer found still in use (kept out of use; never expected)"),
        CLIENT_ERRORS_NOT_LOGGED(27, "client-caused errors (bad handshakes, resets) past the log rate, counted only");

        final int id;
        final String description;

        Counter(int id, String description) {
            this.id = id;
            this.description = description;
        }

        public String description() {
            return description;
        }
    }

    private static final int PAD = 16;
    private static final int COUNTERS = Counter.values().length;
    private final int writers;
    private final AtomicLongArray cells;
    private final AtomicLongArray shared = new AtomicLongArray(COUNTERS * PAD);
    /** Per counter, cells striped by thread: counts per tick from threads without a slot of their own. */
    private final LongAdder[] striped = new LongAdder[COUNTERS];

    /** @param writers number of writer slots (event loops plus engine threads) */
    public Counters(int writers) {
        this.writers = writers;
        this.cells = new AtomicLongArray((writers * COUNTERS + 1) * PAD);
        for (int i = 0; i < COUNTERS; i++) {
            striped[i] = new LongAdder();
        }
    }

    /** Adds {@code delta} in the cell of writer {@code slot}; that slot must have one writer thread. */
    public void add(Counter c, int slot, long delta) {
        if (delta != 0) {
            final int i = (slot * COUNTERS + c.id + 1) * PAD;
            cells.lazySet(i, cells.get(i) + delta);
        }
    }

    /** Adds from any thread; for rare events (closes, errors), not per tick. */
    public void addShared(Counter c, long delta) {
        shared.addAndGet(c.id * PAD, delta);
    }

    /**
     * Adds from any thread, per tick if need be: publishers on every event loop, the demo feed and
     * the Redis readers. Each thread lands in a cell of its own once threads contend (a {@link
     * LongAdder}), so writers do not share a cache line; uncontended it is one CAS.
     */
    public void addStriped(Counter c, long delta) {
        striped[c.id].add(delta);
    }

    /** The current total. */
    public long get(Counter c) {
        long sum = shared.get(c.id * PAD) + striped[c.id].sum();
        for (int w = 0; w < writers; w++) {
            sum += cells.get((w * COUNTERS + c.id + 1) * PAD);
        }
        return sum;
    }
}
