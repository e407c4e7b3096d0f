package io.tickfan.bench.guard;

/**
 * One benchmark result as the guard sees it.
 *
 * @param key the benchmark ({@code Class.method}) and its parameters, e.g. {@code
 *     DispatchBench.subscribers100[loops=2]}
 * @param scoreNs average time per operation of the best measurement iteration, in nanoseconds
 * @param allocBytesPerOp {@code gc.alloc.rate.norm}, or NaN when not profiled
 */
public record Measurement(String key, double scoreNs, double allocBytesPerOp) {}
