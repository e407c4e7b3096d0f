package io.tickfan.server.metrics;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * A fixed-bucket latency histogram with one writer thread (an event loop) and any number of
 * readers (the scrape). Recording is a bucket search over a dozen bounds and two ordered stores:
 * no lock, no allocation, no contended cache line. The bounds are Prometheus' cumulative {@code le}
 * buckets, in nanoseconds.
 */
public final class LatencyRecorder {
    /** Upper bounds, ns: 50 us to 1 s, then +Inf. Wide enough for a loaded 2-core VM. */
    private static final long[] BOUNDS_NS = {
        50_000L,
        100_000L,
        250_000L,
        500_000L,
        1_000_000L,
        2_500_000L,
        5_000_000L,
        10_000_000L,
        25_000_000L,
        50_000_000L,
        100_000_000L,
        250_000_000L,
        500_000_000L,
        1_000_000_000L
    };

    /** Per bucket (the last one is +Inf), then the sum of all values in ns. */
    private final AtomicLongArray cells = new AtomicLongArray(BOUNDS_NS.length + 2);

    private static final int SUM = BOUNDS_NS.length + 1;

    /** The writer thread only. Negative values (clock skew between pods) count as zero. */
    public void record(long nanos) {
        final long v = Math.max(0, nanos);
        int b = 0;
        while (b < BOUNDS_NS.length && v > BOUNDS_NS[b]) {
            b++;
        }
        cells.lazySet(b, cells.get(b) + 1);
        cells.lazySet(SUM, cells.get(SUM) + v);
    }

    /** Adds this recorder's non-cumulative bucket counts to {@code counts} and returns its sum in ns. */
    public long addTo(long[] counts) {
        for (int i = 0; i < counts.length; i++) {
            counts[i] += cells.get(i);
        }
        return cells.get(SUM);
    }

    /** Upper bound of bucket {@code i} in ns ({@code i < buckets() - 1}; the last bucket is +Inf). */
    public static long boundNs(int i) {
        return BOUNDS_NS[i];
    }

    /** Bucket count including +Inf. */
    public static int buckets() {
        return BOUNDS_NS.length + 1;
    }
}
