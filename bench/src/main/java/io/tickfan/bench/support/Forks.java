package io.tickfan.bench.support;

/** JVM options every benchmark fork gets; for {@code @Fork(jvmArgsAppend = ...)}. */
public final class Forks {
    /** Agrona 2 reads {@code jdk.internal.misc.Unsafe}. */
    public static final String ADD_EXPORTS = "--add-exports";

    public static final String AGRONA_EXPORT = "java.base/jdk.internal.misc=ALL-UNNAMED";

    /**
     * Netty's default (SIMPLE) leak detection records 1 in 128 buffer allocations with a stack
     * trace: about 12 B/op averaged over an encode. That is a cost of the detector, not of the code
     * measured, so benchmarks run without it (docs/benchmarks.md gives the number with it).
     */
    public static final String NO_LEAK_DETECTION = "-Dio.netty.leakDetection.level=disabled";

    private Forks() {}
}
