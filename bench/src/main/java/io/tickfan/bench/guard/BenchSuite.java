package io.tickfan.bench.guard;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs benchmarks through JMH's API with the short smoke settings of CI (one fork, one 2 s warmup,
 * five 0.2 s measurements, GC profiler on) and turns the results into {@link Measurement}s: the
 * best iteration's time, and the allocation per operation over all iterations. The warmup is 2 s
 * because the Jackson decode benchmarks were still being compiled after 1 s on a slow, busy 2-core
 * VM (1.6x their steady time in every attempt of one CI run; steady after about 3 s).
 */
public final class BenchSuite {
    /** Package of every benchmark; keys leave it out. */
    public static final String PACKAGE = "io.tickfan.bench.";

    /** Every benchmark. */
    public static final List<String> ALL = List.of(PACKAGE + ".*Bench\\.");

    /**
     * The forks' JVM options in CI and for baselines: Agrona's export and a fixed heap (10,000
     * embedded channels need a few hundred MB; a fixed size keeps GC behaviour comparable).
     */
    public static final List<String> CI_JVM_ARGS =
            List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g", "-XX:+UseParallelGC");

    /**
     * Five short iterations rather than two long ones: the guard scores a benchmark by its best
     * iteration (noise only ever adds time), and the best of five is far steadier than a mean
     * when other builds share the two cores.
     */
    static final int MEASUREMENT_ITERATIONS = 5;

    private final List<String> jvmArgs;
    private final Path logDir;

    /**
     * @param jvmArgs the forks' JVM options (replace the host's; a benchmark's own
     *     {@code jvmArgsAppend} still applies)
     * @param logDir where each run's JMH log goes
     */
    public BenchSuite(List<String> jvmArgs, Path logDir) {
        this.jvmArgs = List.copyOf(jvmArgs);
        this.logDir = logDir;
    }

    /** Runs the benchmarks whose full names match any of {@code includes}. */
    public List<Measurement> run(String name, List<String> includes) throws RunnerException {
        final ChainedOptionsBuilder options = new OptionsBuilder()
                .forks(1)
                .warmupIterations(1)
                .warmupTime(TimeValue.seconds(2))
                .measurementIterations(MEASUREMENT_ITERATIONS)
                .measurementTime(TimeValue.milliseconds(200))
                .addProfiler(GCProfiler.class)
                .jvmArgs(jvmArgs.toArray(new String[0]))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.NORMAL)
                .output(logDir.resolve(name + ".log").toString());
        for (String include : includes) {
            options.include(include);
        }
        final Collection<RunResult> results = new Runner(options.build()).run();
        final List<Measurement> measurements = new ArrayList<>();
        for (RunResult r : results) {
            measurements.add(measurement(r));
        }
        return measurements;
    }

    /** The include pattern of exactly the benchmark of {@code key} (all its parameter values). */
    public static String includeOf(String key) {
        final int bracket = key.indexOf('[');
        final String name = bracket < 0 ? key : key.substring(0, bracket);
        return "^" + Pattern.quote(PACKAGE + name) + "$";
    }

    static Measurement measurement(RunResult r) {
        final BenchmarkParams params = r.getParams();
        final Result<?> primary = r.getPrimaryResult();
        final Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
        return new Measurement(
                key(params),
                toNanos(primary.getScore(), primary.getScoreUnit()),
                alloc == null ? Double.NaN : alloc.getScore());
    }

    static String key(BenchmarkParams params) {
        String name = params.getBenchmark();
        if (name.startsWith(PACKAGE)) {
            name = name.substring(PACKAGE.length());
        }
        final Map<String, String> sorted = new TreeMap<>();
        for (String k : params.getParamsKeys()) {
            sorted.put(k, params.getParam(k));
        }
        if (sorted.isEmpty()) {
            return name;
        }
        final StringBuilder b = new StringBuilder(name).append('[');
        sorted.forEach((k, v) -> b.append(k).append('=').append(v).append(','));
        b.setCharAt(b.length() - 1, ']');
        return b.toString();
    }

    static double toNanos(double score, String unit) {
        final String timeUnit = unit.endsWith("/op") ? unit.substring(0, unit.length() - 3) : unit;
        final TimeUnit tu =
                switch (timeUnit) {
                    case "ns" -> TimeUnit.NANOSECONDS;
                    case "us" -> TimeUnit.MICROSECONDS;
                    case "ms" -> TimeUnit.MILLISECONDS;
                    case "s" -> TimeUnit.SECONDS;
                    default -> throw new IllegalArgumentException("guard expects average time per op, got " + unit);
                };
        return score * tu.toNanos(1);
    }
}
