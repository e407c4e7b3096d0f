package io.tickfan.bench.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegressionGuardTest {
    private static final String CALIBRATION = "CalibrationBench.calibrate";

    private static Baselines baselines() {
        final Map<String, Baselines.Entry> entries = new TreeMap<>();
        entries.put("TickEncodeBench.json", new Baselines.Entry(2.0, 1.0, null));
        entries.put("TokenVerifierBench.es256", new Baselines.Entry(4000.0, null, "allocates by design"));
        entries.put("EndToEndBench.publishToChannels[subscribers=1]", new Baselines.Entry(null, null, "reported only"));
        return new Baselines(CALIBRATION, 1.6, entries);
    }

    private static List<Measurement> run(double calibrationNs, double encodeNs, double encodeAlloc) {
        return List.of(
                new Measurement(CALIBRATION, calibrationNs, 0),
                new Measurement("TickEncodeBench.json", encodeNs, encodeAlloc),
                new Measurement("TokenVerifierBench.es256", calibrationNs * 4000, 50_000),
                new Measurement("EndToEndBench.publishToChannels[subscribers=1]", 1e9, 9_999));
    }

    @Test
    void shouldPassARunMatchingTheBaselines() {
        final RegressionGuard.Verdict v = RegressionGuard.check(run(100, 200, 0.001), baselines(), true);
        assertTrue(v.passed(), v::report);
    }

    @Test
    void shouldPassWhenTheWholeMachineIsTwiceAsSlow() {
        final RegressionGuard.Verdict v = RegressionGuard.check(run(200, 400, 0), baselines(), true);
        assertTrue(v.passed(), v::report);
    }

    @Test
    void shouldPassNoiseWithinTolerance() {
        final RegressionGuard.Verdict v = RegressionGuard.check(run(100, 310, 0), baselines(), true);
        assertTrue(v.passed(), v::report);
    }

    @Test
    void shouldRejectATwofoldSlowdownOfOneBenchmark() {
        final RegressionGuard.Verdict v = RegressionGuard.check(run(100, 400, 0), baselines(), true);
        assertFalse(v.passed());
        assertEquals(1, v.failures().size(), v::report);
        assertEquals("TickEncodeBench.json", v.failures().get(0).key());
        assertTrue(v.failures().get(0).slower());
    }

    @Test
    void shouldRejectAllocationOverBudget() {
        final RegressionGuard.Verdict v = RegressionGuard.check(run(100, 200, 24), baselines(), true);
        assertFalse(v.passed());
        assertFalse(v.failures().get(0).slower());
        assertTrue(v.failures().get(0).reason().contains("24.00 B/op"), v::report);
    }

    @Test
    void shouldRejectMissingAllocationMeasurementWhereABudgetIsSet() {
        final RegressionGuard.Verdict v = RegressionGuard.check(run(100, 200, Double.NaN), baselines(), true);
        assertFalse(v.passed(), v::report);
    }

    @Test
    void shouldRejectARunWithoutCalibration() {
        final RegressionGuard.Verdict v =
                RegressionGuard.check(List.of(new Measurement("TickEncodeBench.json", 200, 0)), baselines(), false);
        assertFalse(v.passed());
        assertEquals(CALIBRATION, v.failures().get(0).key());
    }

    @Test
    void shouldRejectABenchmarkWithoutBaseline() {
        final RegressionGuard.Verdict v = RegressionGuard.check(
                List.of(new Measurement(CALIBRATION, 100, 0), new Measurement("NewBench.fast", 1, 0)),
                baselines(),
                false);
        assertFalse(v.passed());
        assertTrue(v.failures().get(0).reason().contains("no baseline"), v::report);
    }

    @Test
    void shouldRejectAFullRunThatMissesABaselinedBenchmark() {
        final RegressionGuard.Verdict v = RegressionGuard.check(
                List.of(new Measurement(CALIBRATION, 100, 0), new Measurement("TickEncodeBench.json", 200, 0)),
                baselines(),
                true);
        assertEquals(2, v.failures().size(), v::report);
        assertTrue(RegressionGuard.check(
                        List.of(new Measurement(CALIBRATION, 100, 0), new Measurement("TickEncodeBench.json", 200, 0)),
                        baselines(),
                        false)
                .passed());
    }

    @Test
    void shouldRoundTripBaselinesThroughJson(@TempDir Path dir) throws Exception {
        final Path file = dir.resolve("baselines.json");
        baselines().write(file);
        final Baselines read = Baselines.read(file);
        assertEquals(baselines(), read, Files.readString(file));
    }

    @Test
    void shouldKeyResultsByBenchmarkAndSortedParams() {
        assertEquals(1_500.0, BenchSuite.toNanos(1.5, "us/op"));
        assertEquals(42.0, BenchSuite.toNanos(42, "ns/op"));
        final String include = BenchSuite.includeOf("DispatchBench.subscribers100[loops=2]");
        assertTrue("io.tickfan.bench.DispatchBench.subscribers100".matches(include));
        assertFalse("io.tickfan.bench.DispatchBench.subscribers1000".matches(include));
    }
}
