package io.tickfan.bench;

import io.tickfan.bench.support.EmbeddedLoops;
import io.tickfan.bench.support.Engines;
import io.tickfan.bench.support.EventLoopThreads;
import io.tickfan.bench.support.Forks;
import io.tickfan.bench.support.Slowdown;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.SequencerInvoker;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One sequencer step: what the sequencer spends on one tick read from the ring (number it, merge
 * it into the last value, encode it once per wire variant, append it to history, evicting the
 * oldest). No subscribers, so nothing is queued to a loop: that is {@link DispatchBench}. History
 * is full, so every step also releases the evicted tick's buffers: the steady state. Runs on a
 * {@code FastThreadLocalThread} ({@link EventLoopThreads}), the thread kind the sequencer needs for
 * Netty's {@code Recycler} to pool its {@code EncodedTick}s; whether the engine really starts it on
 * one shows in {@link EndToEndBench}'s allocation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {
            Forks.ADD_EXPORTS,
            Forks.AGRONA_EXPORT,
            Forks.NO_LEAK_DETECTION,
            EventLoopThreads.JVM_ARGS_EXECUTOR,
            EventLoopThreads.JVM_ARGS_CLASS
        })
public class SequencerBench {
    private static final int HISTORY = 256;

    private SequencerInvoker sequencer;
    private int symbolId;
    private Tick tick;

    @Setup
    public void setUp() {
        final FanoutEngine engine = Engines.create(new EmbeddedLoops(1), HISTORY);
        sequencer = engine.invoker();
        symbolId = engine.symbols().register(Engines.SYMBOL);
        tick = Engines.quoteAndTrade(Engines.SYMBOL);
        for (int i = 0; i < HISTORY * 2; i++) {
            sequence();
        }
    }

    @Benchmark
    public long step() {
        for (int r = 0; r < Slowdown.REPEAT; r++) {
            sequence();
        }
        return tick.exchangeTimeNs;
    }

    private void sequence() {
        Engines.advance(tick);
        tick.ingestTimeNs = tick.exchangeTimeNs;
        tick.seq = 0;
        sequencer.sequence(symbolId, tick);
    }
}
