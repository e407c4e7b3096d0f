package io.tickfan.bench.guard;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.openjdk.jmh.runner.RunnerException;

/**
 * A guarded run: measure, judge, and measure once more whatever looked slower, with a fresh
 * calibration, before calling it a regression. A real slowdown is slow twice; a noisy neighbour
 * on a shared 2-core VM rarely strikes the same benchmark twice in a row. Allocation failures are
 * not retried: allocation does not depend on noise.
 */
public final class GuardRun {
    private GuardRun() {}

    public static RegressionGuard.Verdict run(
            BenchSuite suite, String name, List<String> includes, Baselines baselines, boolean requireAll)
            throws RunnerException {
        final List<Measurement> first = suite.run(name, includes);
        final RegressionGuard.Verdict verdict = RegressionGuard.check(first, baselines, requireAll);
        final Set<String> retry = new LinkedHashSet<>();
        for (RegressionGuard.Failure f : verdict.failures()) {
            if (f.slower()) {
                retry.add(f.key());
            }
        }
        if (retry.isEmpty()) {
            return verdict;
        }
        final List<String> again = new ArrayList<>();
        again.add(BenchSuite.includeOf(baselines.calibration()));
        for (String key : retry) {
            again.add(BenchSuite.includeOf(key));
        }
        final List<Measurement> second = new ArrayList<>();
        for (Measurement m : suite.run(name + "-retry", again)) {
            if (retry.contains(m.key()) || m.key().equals(baselines.calibration())) {
                second.add(m);
            }
        }
        final RegressionGuard.Verdict recheck = RegressionGuard.check(second, baselines, false);
        final List<String> lines = new ArrayList<>(verdict.lines());
        lines.add("-- measured again with a fresh calibration: " + retry);
        lines.addAll(recheck.lines());
        final List<RegressionGuard.Failure> failures = new ArrayList<>();
        for (RegressionGuard.Failure f : verdict.failures()) {
            if (!f.slower()) {
                failures.add(f);
            }
        }
        for (RegressionGuard.Failure f : recheck.failures()) {
            if (f.slower() && retry.contains(f.key())) {
                failures.add(f);
            }
        }
        return new RegressionGuard.Verdict(lines, failures);
    }
}
