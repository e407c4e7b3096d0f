package io.tickfan.bench.guard;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * CI: a short run of every benchmark (so none can rot) judged against {@code bench/baselines.json}:
 * a benchmark more than the tolerance slower relative to the calibration benchmark (twice in a
 * row), or over its allocation budget, fails the build.
 */
class BenchmarkGuardIT {
    @Test
    void shouldRunEveryBenchmarkWithinItsBaseline() throws Exception {
        final Path reports = Files.createDirectories(GuardTestSupport.reportDir());
        final Baselines baselines = Baselines.read(GuardTestSupport.baselinesFile());
        final RegressionGuard.Verdict verdict =
                GuardRun.run(new BenchSuite(BenchSuite.CI_JVM_ARGS, reports), "smoke", BenchSuite.ALL, baselines, true);
        Files.writeString(reports.resolve("guard.txt"), verdict.report());
        System.out.println(verdict.report());
        assertTrue(verdict.passed(), verdict::report);
    }
}
