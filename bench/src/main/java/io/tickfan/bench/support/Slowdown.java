package io.tickfan.bench.support;

/**
 * How many times the guarded benchmarks repeat their operation per invocation: 1 normally. The
 * guard's own test sets {@value #PROPERTY}=3 in the benchmark JVM to produce a real slowdown of
 * the measured code (three times the work, same code), and checks that the guard rejects it.
 */
public final class Slowdown {
    public static final String PROPERTY = "tickfan.bench.slowdown";

    /** A constant to the JIT: with 1 the repeat loop folds away. */
    public static final int REPEAT = Integer.getInteger(PROPERTY, 1);

    private Slowdown() {}
}
