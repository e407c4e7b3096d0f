package io.tickfan.bench;

import io.tickfan.bench.support.Forks;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The yardstick of the regression guard: fixed, JDK-only work (integer arithmetic, divisions by
 * ten like the ASCII number writer, stores to an L1-resident array) that no tickfan change can
 * speed up or slow down. Every other benchmark is judged by its score divided by this one from the
 * same run, so a slower or busier machine moves both and cancels out.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Forks.ADD_EXPORTS, Forks.AGRONA_EXPORT, Forks.NO_LEAK_DETECTION})
public class CalibrationBench {
    private static final int STEPS = 64;
    private final long[] scratch = new long[STEPS];
    private long seed = 0x9E3779B97F4A7C15L;

    @Benchmark
    public long calibrate() {
        long x = seed++;
        long acc = 0;
        final long[] s = scratch;
        for (int i = 0; i < STEPS; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            acc += (x & Long.MAX_VALUE) % 10;
            s[i] = acc;
        }
        return acc + s[(int) (x & (STEPS - 1))];
    }
}
