package io.tickfan.loadgen;

import java.io.FileNotFoundException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramLogWriter;

/**
 * Every period, collects the interval latency histogram and the fleet's counters into a {@link
 * Sample} (the time series behind the chart), appends the histogram to the HdrHistogram log, and
 * lets the progress line print. Runs on its own thread, {@code loadgen-sampler}.
 */
final class Sampler implements AutoCloseable {
    /** One point of the time series; latencies in milliseconds, CPU in cumulative seconds. */
    record Sample(
            double tSec,
            int open,
            long opens,
            long connectFailures,
            long rejects,
            long live,
            long measured,
            long gaps,
            long count,
            double p50Ms,
            double p90Ms,
            double p99Ms,
            double p999Ms,
            double maxMs,
            double loadgenCpuSec,
            double serverCpuSec) {}

    private final FleetStats stats;
    private final long periodNs;
    private final Progress progress;
    private final long serverPid;
    private final HistogramLogWriter log;
    private final PrintStream logStream;
    private final long startNs = System.nanoTime();
    private final long startEpochMs = System.currentTimeMillis();
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Sample last;

    Sampler(FleetStats stats, long periodMs, Progress progress, long serverPid, Path hlog)
            throws FileNotFoundException {
        this.stats = stats;
        this.periodNs = TimeUnit.MILLISECONDS.toNanos(periodMs);
        this.progress = progress;
        this.serverPid = serverPid;
        if (hlog != null) {
            this.logStream = new PrintStream(hlog.toFile());
            this.log = new HistogramLogWriter(logStream);
            log.outputLogFormatVersion();
            log.outputComment("tickfan loadgen: tick latency (receive time - intended send time), nanoseconds");
            log.outputStartTime(startEpochMs);
            log.setBaseTime(startEpochMs);
            log.outputLegend();
        } else {
            this.logStream = null;
            this.log = null;
        }
        this.thread = new Thread(this::loop, "loadgen-sampler");
        this.thread.setDaemon(true);
    }

    Sampler start() {
        thread.start();
        return this;
    }

    /** The latest sample (null before the first). */
    Sample last() {
        return last;
    }

    private void loop() {
        long next = startNs + periodNs;
        while (running) {
            final long waitNs = next - System.nanoTime();
            if (waitNs > 0) {
                LockSupport.parkNanos(waitNs);
                continue;
            }
            next += periodNs;
            sample();
            progress.maybePrint();
        }
    }

    private synchronized void sample() {
        final long nowNs = System.nanoTime();
        final Histogram h = stats.latency.interval();
        final double tSec = (nowNs - startNs) / 1e9;
        if (log != null) {
            h.setStartTimeStamp(last == null ? startEpochMs : startEpochMs + (long) (last.tSec() * 1000));
            h.setEndTimeStamp(startEpochMs + (long) (tSec * 1000));
            log.outputIntervalHistogram(h);
        }
        final boolean any = h.getTotalCount() > 0;
        final Sample s = new Sample(
                tSec,
                stats.openNow.get(),
                stats.opens.sum(),
                stats.connectFailures.sum(),
                stats.rejects.sum(),
                stats.live.sum(),
                stats.measured.sum(),
                stats.gaps.sum(),
                h.getTotalCount(),
                any ? ms(h.getValueAtPercentile(50)) : Double.NaN,
                any ? ms(h.getValueAtPercentile(90)) : Double.NaN,
                any ? ms(h.getValueAtPercentile(99)) : Double.NaN,
                any ? ms(h.getValueAtPercentile(99.9)) : Double.NaN,
                any ? ms(h.getMaxValue()) : Double.NaN,
                CpuClock.selfSeconds(),
                CpuClock.processSeconds(serverPid));
        samples.add(s);
        last = s;
    }

    static double ms(long ns) {
        return ns / 1e6;
    }

    /** Stops the thread, takes a final sample and closes the log; returns every sample. */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sample();
        if (logStream != null) {
            logStream.close();
        }
    }

    synchronized List<Sample> samples() {
        return new ArrayList<>(samples);
    }
}
