package io.tickfan.bench.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.bench.support.Slowdown;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Proof that the guard can fail: the same benchmarks, measured for real, pass the committed
 * baselines as they are, and are rejected when the benchmark JVM doubles their work ({@link
 * Slowdown}, three times the work); and a benchmark that allocates is rejected by a zero-allocation budget.
 *
 * <p>The slowed run is judged against the lower of the committed ratio and the one the normal run
 * just measured, not the committed one alone: a ratio to the calibration still differs from one machine to another (dispatch measured
 * 0.122 on one VM against a baseline of 0.163 taken on another), and what this test proves is
 * the guard's mechanism, calibration, tolerance and retries included, rejecting a real slowdown of
 * its baseline.
 *
 * <p>Three times the work, not two: a repeated pass over the same 100 subscribers runs on warm
 * caches and costs less than the first, so twice the work measured as little as 1.48x its normal
 * ratio on a CI run (dispatch over two loops, best iteration of three attempts), inside the 1.5x
 * tolerance. Three times the work measures 2x or more, so what fails here is the guard, not the
 * margin.
 */
class RegressionGuardIT {
    private static final List<String> GUARDED = List.of(
            "TickEncodeBench.webSocketFrame",
            "SequencerBench.step",
            "DispatchBench.subscribers100[loops=1]",
            "DispatchBench.subscribers100[loops=2]");
    private static final String ALLOCATING = "ClientMessageDecodeBench.subscribe";

    @Test
    void shouldPassTheNormalVariantAndRejectAThreefoldSlowdown() throws Exception {
        final Path reports = Files.createDirectories(GuardTestSupport.reportDir());
        final Baselines baselines = Baselines.read(GuardTestSupport.baselinesFile());
        final List<String> includes = new ArrayList<>();
        includes.add(BenchSuite.includeOf(baselines.calibration()));
        for (String key : GUARDED) {
            includes.add(BenchSuite.includeOf(key));
        }

        final RegressionGuard.Verdict normal = GuardRun.run(
                new BenchSuite(BenchSuite.CI_JVM_ARGS, reports), "guard-normal", includes, baselines, false);
        Files.writeString(reports.resolve("guard-normal.txt"), normal.report());
        assertTrue(normal.passed(), normal::report);

        final List<String> slowArgs = new ArrayList<>(BenchSuite.CI_JVM_ARGS);
        slowArgs.add("-D" + Slowdown.PROPERTY + "=3");
        final Map<String, Baselines.Entry> measuredHere = new TreeMap<>(baselines.benchmarks());
        for (String key : GUARDED) {
            // The lower of the committed ratio and the one just measured: noise only adds time, so
            // a normal run slowed by a neighbour must not lift the bar (a CI dry run measured
            // webSocketFrame at 2.77 against a committed 2.11, and the doubled work then came to 1.496x).
            final Baselines.Entry committed = baselines.benchmarks().get(key);
            measuredHere.put(
                    key,
                    committed.withRatio(
                            Math.min(committed.ratio(), normal.ratios().get(key))));
        }
        final Baselines here = new Baselines(baselines.calibration(), baselines.tolerance(), measuredHere);
        final RegressionGuard.Verdict slowed =
                GuardRun.run(new BenchSuite(slowArgs, reports), "guard-slowed", includes, here, false);
        Files.writeString(reports.resolve("guard-slowed.txt"), slowed.report());
        assertFalse(slowed.passed(), slowed::report);
        // Twice the work also allocates twice where the code allocates (dispatch, sequencer): those
        // budget failures are right too; what must hold is that every slowed benchmark failed as slower.
        final Set<String> rejected = new TreeSet<>();
        for (RegressionGuard.Failure f : slowed.failures()) {
            if (f.slower()) {
                rejected.add(f.key());
            }
        }
        assertEquals(new TreeSet<>(GUARDED), rejected, slowed::report);
    }

    @Test
    void shouldRejectABenchmarkThatAllocatesUnderAZeroBudget() throws Exception {
        final Path reports = Files.createDirectories(GuardTestSupport.reportDir());
        final Baselines committed = Baselines.read(GuardTestSupport.baselinesFile());
        final List<Measurement> run = new BenchSuite(BenchSuite.CI_JVM_ARGS, reports)
                .run(
                        "guard-alloc",
                        List.of(BenchSuite.includeOf(committed.calibration()), BenchSuite.includeOf(ALLOCATING)));
        final Map<String, Baselines.Entry> zeroBudget = new TreeMap<>();
        zeroBudget.put(ALLOCATING, new Baselines.Entry(null, 1.0, "test: decode allocates by design"));
        final RegressionGuard.Verdict v = RegressionGuard.check(
                run, new Baselines(committed.calibration(), committed.tolerance(), zeroBudget), true);
        assertFalse(v.passed(), v::report);
        assertEquals(ALLOCATING, v.failures().get(0).key());
        assertFalse(v.failures().get(0).slower(), v::report);
    }
}
