package io.tickfan.bench.guard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.runner.RunnerException;

/**
 * A guarded run on a noisy machine. Noise is one-sided: a neighbour's build can only make a
 * benchmark look slower, never faster. So the guard (1) scores each benchmark by its best
 * iteration, (2) divides by the best calibration seen in this session, measured before, among
 * and after the benchmarks and again on every retry, so one slowed calibration cannot mask a
 * regression, and (3) measures whatever looked slower again, up to {@link #ATTEMPTS}
 * times in all, passing it if any attempt is within tolerance. A real slowdown is slow on every
 * attempt. Allocation failures are not retried: allocation does not depend on noise.
 *
 * <p>Each attempt is a new fork, and a fork's JIT can settle a benchmark in one of two speeds:
 * {@code DispatchBench.subscribers100[loops=1]} measured 21 ns in three of five forks and 28-33 ns
 * in the other two on one machine (2026-12-07), the same code. Five attempts make a pass depend on
 * one fork in five landing in the usual speed, not one in three.
 */
public final class GuardRun {
    /** Measurements of a benchmark that looks slower, first one included. */
    public static final int ATTEMPTS = 5;

    private GuardRun() {}

    public static RegressionGuard.Verdict run(
            BenchSuite suite, String name, List<String> includes, Baselines baselines, boolean requireAll)
            throws RunnerException {
        final String calibrationKey = baselines.calibration();
        final List<String> calibrationOnly = List.of(BenchSuite.includeOf(calibrationKey));
        final List<Measurement> before = suite.run(name + "-calibration-before", calibrationOnly);
        final List<Measurement> first = suite.run(name, includes);
        final List<Measurement> after = suite.run(name + "-calibration-after", calibrationOnly);
        double bestCalibration = Math.min(
                calibrationOf(first, calibrationKey),
                Math.min(calibrationOf(before, calibrationKey), calibrationOf(after, calibrationKey)));
        RegressionGuard.Verdict verdict =
                RegressionGuard.check(withCalibration(first, calibrationKey, bestCalibration), baselines, requireAll);
        final List<String> lines = new ArrayList<>(verdict.lines());
        final Map<String, Double> ratios = new LinkedHashMap<>(verdict.ratios());
        final List<RegressionGuard.Failure> settled = new ArrayList<>();
        for (RegressionGuard.Failure f : verdict.failures()) {
            if (!f.slower()) {
                settled.add(f);
            }
        }
        for (int attempt = 2; attempt <= ATTEMPTS; attempt++) {
            final Set<String> retry = new LinkedHashSet<>();
            for (RegressionGuard.Failure f : verdict.failures()) {
                if (f.slower()) {
                    retry.add(f.key());
                }
            }
            if (retry.isEmpty()) {
                break;
            }
            final List<String> again = new ArrayList<>();
            again.add(BenchSuite.includeOf(calibrationKey));
            for (String key : retry) {
                again.add(BenchSuite.includeOf(key));
            }
            final List<Measurement> rerun = suite.run(name + "-attempt" + attempt, again);
            bestCalibration = Math.min(bestCalibration, calibrationOf(rerun, calibrationKey));
            final List<Measurement> retried = new ArrayList<>();
            for (Measurement m : rerun) {
                if (retry.contains(m.key()) || m.key().equals(calibrationKey)) {
                    retried.add(m);
                }
            }
            verdict =
                    RegressionGuard.check(withCalibration(retried, calibrationKey, bestCalibration), baselines, false);
            verdict.ratios().forEach((key, ratio) -> ratios.merge(key, ratio, Math::min));
            lines.add("-- attempt " + attempt + ", measured again: " + retry);
            lines.addAll(verdict.lines());
        }
        final List<RegressionGuard.Failure> failures = new ArrayList<>(settled);
        for (RegressionGuard.Failure f : verdict.failures()) {
            if (f.slower()) {
                failures.add(f);
            }
        }
        return new RegressionGuard.Verdict(lines, failures, ratios);
    }

    private static double calibrationOf(List<Measurement> run, String key) {
        for (Measurement m : run) {
            if (m.key().equals(key)) {
                return m.scoreNs();
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    /** {@code run} with the calibration's score replaced by the session's best. */
    static List<Measurement> withCalibration(List<Measurement> run, String key, double bestNs) {
        final List<Measurement> out = new ArrayList<>(run.size());
        for (Measurement m : run) {
            out.add(
                    m.key().equals(key) && bestNs < Double.POSITIVE_INFINITY
                            ? new Measurement(key, bestNs, m.allocBytesPerOp())
                            : m);
        }
        return out;
    }
}
