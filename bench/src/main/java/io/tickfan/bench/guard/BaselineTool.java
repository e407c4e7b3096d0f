package io.tickfan.bench.guard;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Re-measures the baselines: runs the whole suite {@code runs} times with the CI settings and
 * writes each benchmark's best time divided by the calibration's best time (noise only adds time,
 * so the bests are the machine's own speed) into {@code baselines.json}, keeping
 * allocation budgets, notes and unguarded (null-ratio) entries as they are. Run on the CI machine
 * after an intended performance change, and commit the file with the change that explains it.
 *
 * <pre>
 * java -cp bench/target/benchmarks.jar io.tickfan.bench.guard.BaselineTool bench/baselines.json 3
 * </pre>
 */
public final class BaselineTool {
    private BaselineTool() {}

    public static void main(String[] args) throws Exception {
        final Path file = Path.of(args.length > 0 ? args[0] : "bench/baselines.json");
        final int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        final Baselines old = Files.exists(file)
                ? Baselines.read(file)
                : new Baselines("CalibrationBench.calibrate", 1.6, new TreeMap<>());
        final Path logs = Files.createDirectories(Path.of("bench/target/bench-reports"));
        final BenchSuite suite =
                new BenchSuite(List.of("--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "-Xmx1g"), logs);
        final Map<String, Double> best = new HashMap<>();
        for (int i = 0; i < runs; i++) {
            for (Measurement m : suite.run("baseline-" + i, BenchSuite.ALL)) {
                best.merge(m.key(), m.scoreNs(), Math::min);
                System.out.printf("%s %.1f ns %.2f B/op%n", m.key(), m.scoreNs(), m.allocBytesPerOp());
            }
        }
        final double calibration = best.remove(old.calibration());
        final Map<String, Baselines.Entry> entries = new TreeMap<>();
        for (Map.Entry<String, Double> e : best.entrySet()) {
            final Baselines.Entry previous = old.benchmarks().get(e.getKey());
            final double ratio = e.getValue() / calibration;
            if (previous == null) {
                entries.put(e.getKey(), new Baselines.Entry(ratio, null, "new: set an allocation budget"));
            } else if (previous.ratio() == null) {
                entries.put(e.getKey(), previous);
            } else {
                entries.put(e.getKey(), previous.withRatio(ratio));
            }
        }
        new Baselines(old.calibration(), old.tolerance(), entries).write(file);
        System.out.println("wrote " + file.toAbsolutePath());
    }
}
