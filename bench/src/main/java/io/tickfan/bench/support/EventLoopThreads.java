package io.tickfan.bench.support;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * JMH worker threads of the kind Netty event loops run on ({@code FastThreadLocalThread}). Netty
 * 4.2 pools {@code Recycler} objects (outbound-buffer entries, pooled duplicates, {@code
 * EncodedTick}) only on such threads and allocates a fresh object per {@code get()} on any other,
 * so code that runs on an event loop in production must be measured on one. Selected per benchmark
 * class with {@code -Djmh.executor=CUSTOM -Djmh.executor.class=}this class (see {@link #JVM_ARGS}).
 */
public final class EventLoopThreads extends ThreadPoolExecutor {
    public static final String JVM_ARGS_EXECUTOR = "-Djmh.executor=CUSTOM";
    public static final String JVM_ARGS_CLASS = "-Djmh.executor.class=io.tickfan.bench.support.EventLoopThreads";

    /** Both options, for {@code @Fork(jvmArgsAppend = ...)}. */
    public static final String[] JVM_ARGS = {JVM_ARGS_EXECUTOR, JVM_ARGS_CLASS};

    /** The constructor JMH calls for a custom executor; a fixed pool, like JMH's default. */
    public EventLoopThreads(int maxThreads, String prefix) {
        super(
                maxThreads,
                maxThreads,
                0,
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                new DefaultThreadFactory(prefix, true));
    }
}
