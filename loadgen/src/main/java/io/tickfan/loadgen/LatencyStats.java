package io.tickfan.loadgen;

import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Tick latencies, recorded lock-free by each event loop into its own recorder and collected by the
 * sampler once per interval. Values are nanoseconds, 3 significant digits, clamped to [0, 60 s].
 */
final class LatencyStats {
    static final long MAX_NS = TimeUnit.SECONDS.toNanos(60);

    private final CopyOnWriteArrayList<SingleWriterRecorder> recorders = new CopyOnWriteArrayList<>();
    private final ThreadLocal<SingleWriterRecorder> local = ThreadLocal.withInitial(() -> {
        final SingleWriterRecorder r = new SingleWriterRecorder(MAX_NS, 3);
        recorders.add(r);
        return r;
    });
    private final Histogram total = newHistogram();

    static Histogram newHistogram() {
        return new Histogram(MAX_NS, 3);
    }

    /** Any thread: records one latency. */
    void record(long latencyNs) {
        local.get().recordValue(latencyNs < 0 ? 0 : Math.min(latencyNs, MAX_NS));
    }

    /** Sampler thread: what was recorded since the last call (also added to the total). */
    Histogram interval() {
        final Histogram h = newHistogram();
        for (SingleWriterRecorder r : recorders) {
            h.add(r.getIntervalHistogram());
        }
        synchronized (total) {
            total.add(h);
        }
        return h;
    }

    /** A copy of everything collected by {@link #interval()} so far. */
    Histogram total() {
        synchronized (total) {
            return total.copy();
        }
    }
}
