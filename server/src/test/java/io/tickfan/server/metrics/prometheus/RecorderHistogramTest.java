package io.tickfan.server.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.tickfan.server.metrics.LatencyRecorder;
import java.util.List;
import org.junit.jupiter.api.Test;

class RecorderHistogramTest {
    @Test
    void shouldSumRecordersIntoCumulativeSecondsBuckets() {
        final LatencyRecorder a = new LatencyRecorder();
        final LatencyRecorder b = new LatencyRecorder();
        a.record(40_000); // <= 50 us
        a.record(50_000); // on the bound: still <= 50 us
        b.record(3_000_000); // <= 5 ms
        b.record(-7); // clock skew between pods: counted as zero
        b.record(2_000_000_000L); // over 1 s: +Inf only
        final HistogramSnapshot snapshot = (HistogramSnapshot) new RecorderHistogram(
                        "t_seconds", "test", List.of(new RecorderHistogram.Series(Labels.EMPTY, List.of(a, b))))
                .collect();
        final HistogramSnapshot.HistogramDataPointSnapshot p =
                snapshot.getDataPoints().get(0);
        assertEquals(5, p.getCount());
        assertEquals((40_000 + 50_000 + 3_000_000 + 2_000_000_000L) / 1e9, p.getSum(), 1e-12);
        final ClassicHistogramBuckets buckets = p.getClassicBuckets();
        assertEquals(0.00005, buckets.getUpperBound(0), 1e-12);
        assertEquals(3, buckets.getCount(0), "two at or under 50 us and the negative one");
        assertEquals(1, buckets.getCount(6), "3 ms lands in the 5 ms bucket");
        assertEquals(Double.POSITIVE_INFINITY, buckets.getUpperBound(buckets.size() - 1));
        assertEquals(1, buckets.getCount(buckets.size() - 1));
    }
}
