package io.tickfan.server.metrics.prometheus;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.tickfan.server.metrics.LatencyRecorder;
import java.util.List;

/**
 * A classic Prometheus histogram in seconds whose data points are sums of {@link LatencyRecorder}s
 * taken at scrape time: the threads that record never touch the Prometheus library.
 */
final class RecorderHistogram implements Collector {
    /** One data point: its labels and the recorders summed into it. */
    record Series(Labels labels, List<LatencyRecorder> recorders) {}

    private static final double[] BOUNDS_SECONDS = boundsSeconds();

    private final String name;
    private final String help;
    private final List<Series> series;

    RecorderHistogram(String name, String help, List<Series> series) {
        this.name = name;
        this.help = help;
        this.series = series;
    }

    @Override
    public MetricSnapshot collect() {
        final HistogramSnapshot.Builder b =
                HistogramSnapshot.builder().name(name).help(help);
        for (Series s : series) {
            final long[] counts = new long[LatencyRecorder.buckets()];
            long sumNs = 0;
            for (LatencyRecorder r : s.recorders()) {
                sumNs += r.addTo(counts);
            }
            b.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .labels(s.labels())
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(BOUNDS_SECONDS, counts))
                    .sum(sumNs / 1e9)
                    .build());
        }
        return b.build();
    }

    private static double[] boundsSeconds() {
        final double[] b = new double[LatencyRecorder.buckets()];
        for (int i = 0; i < b.length - 1; i++) {
            b[i] = LatencyRecorder.boundNs(i) / 1e9;
        }
        b[b.length - 1] = Double.POSITIVE_INFINITY;
        return b;
    }
}
