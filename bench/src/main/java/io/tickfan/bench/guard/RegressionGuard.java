package io.tickfan.bench.guard;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Judges one run against the baselines. Absolute times mean nothing on a shared 2-core VM, so each
 * score is divided by the calibration benchmark's score from the same run and compared with the
 * committed ratio; the tolerance is wide (noise moves ratios by tens of percent) but below 2, so a
 * real 2x slowdown fails. Allocation per operation is compared with its budget directly: it does
 * not depend on the machine's speed.
 */
public final class RegressionGuard {
    private RegressionGuard() {}

    /**
     * The outcome: a line per benchmark, the failures (empty when the run passes), and each
     * benchmark's measured ratio to the calibration (the best over retries).
     */
    public record Verdict(List<String> lines, List<Failure> failures, Map<String, Double> ratios) {
        public boolean passed() {
            return failures.isEmpty();
        }

        public String report() {
            final StringBuilder b = new StringBuilder();
            for (String line : lines) {
                b.append(line).append('\n');
            }
            for (Failure f : failures) {
                b.append("FAIL ")
                        .append(f.key())
                        .append(": ")
                        .append(f.reason())
                        .append('\n');
            }
            return b.toString();
        }
    }

    /** Why one benchmark failed; {@code slower} failures are the ones worth measuring again. */
    public record Failure(String key, String reason, boolean slower) {}

    /**
     * @param requireAll whether every benchmark in the baselines must have been measured (a full
     *     run); a partial run checks only what it measured
     */
    public static Verdict check(List<Measurement> run, Baselines baselines, boolean requireAll) {
        final Map<String, Measurement> byKey = new LinkedHashMap<>();
        for (Measurement m : run) {
            byKey.put(m.key(), m);
        }
        final List<String> lines = new ArrayList<>();
        final List<Failure> failures = new ArrayList<>();
        final Map<String, Double> ratios = new LinkedHashMap<>();
        final Measurement calibration = byKey.get(baselines.calibration());
        if (calibration == null || !(calibration.scoreNs() > 0)) {
            failures.add(new Failure(baselines.calibration(), "calibration benchmark missing from the run", false));
            return new Verdict(lines, failures, ratios);
        }
        lines.add(String.format(
                Locale.ROOT, "%-58s %12.1f ns/op  (calibration)", calibration.key(), calibration.scoreNs()));
        for (Measurement m : byKey.values()) {
            if (m == calibration) {
                continue;
            }
            final Baselines.Entry expected = baselines.benchmarks().get(m.key());
            final double ratio = m.scoreNs() / calibration.scoreNs();
            ratios.put(m.key(), ratio);
            lines.add(String.format(
                    Locale.ROOT,
                    "%-58s %12.1f ns/op %10.2f B/op  ratio %7.3f  baseline %s",
                    m.key(),
                    m.scoreNs(),
                    m.allocBytesPerOp(),
                    ratio,
                    expected == null || expected.ratio() == null
                            ? "-"
                            : String.format(Locale.ROOT, "%.3f", expected.ratio())));
            if (expected == null) {
                failures.add(new Failure(m.key(), "no baseline: add it to baselines.json (BaselineTool)", false));
                continue;
            }
            if (expected.ratio() != null && ratio > expected.ratio() * baselines.tolerance()) {
                failures.add(new Failure(
                        m.key(),
                        String.format(
                                Locale.ROOT,
                                "%.2fx slower than baseline (ratio to calibration %.3f, baseline %.3f, tolerance %.2fx)",
                                ratio / expected.ratio(),
                                ratio,
                                expected.ratio(),
                                baselines.tolerance()),
                        true));
            }
            final Double budget = expected.maxAllocBytesPerOp();
            if (budget != null && !(m.allocBytesPerOp() <= budget)) {
                failures.add(new Failure(
                        m.key(),
                        String.format(
                                Locale.ROOT, "allocates %.2f B/op, budget %.2f B/op", m.allocBytesPerOp(), budget),
                        false));
            }
        }
        if (requireAll) {
            for (String key : baselines.benchmarks().keySet()) {
                if (!byKey.containsKey(key)) {
                    failures.add(new Failure(key, "in baselines.json but not measured (renamed or removed?)", false));
                }
            }
        }
        return new Verdict(lines, failures, ratios);
    }
}
