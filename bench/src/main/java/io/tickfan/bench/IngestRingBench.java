package io.tickfan.bench;

import io.tickfan.bench.support.Engines;
import io.tickfan.bench.support.Forks;
import io.tickfan.bench.support.Slowdown;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.IngestRing;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.openjdk.jmh.infra.Control;

/**
 * The ingest ring: a publisher writes a tick record in place, the sequencer reads it.
 * Target: handoff under 100 ns, 0 B/op.
 *
 * <ul>
 *   <li>{@link #offerThenDrain}: both halves on one thread, the CPU cost of one handoff without
 *       cross-core traffic; the number the guard watches.
 *   <li>{@code oneProducer} and {@code twoProducers}: real threads (1 or 2 producers and the
 *       consumer). Scores are per {@code offer} and per {@code drain} call; with three threads on
 *       this 2-core VM they measure scheduling as much as the ring, so they are reported and smoke
 *       tested, not guarded.
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Forks.ADD_EXPORTS, Forks.AGRONA_EXPORT, Forks.NO_LEAK_DETECTION})
public class IngestRingBench {
    private static final int SYMBOL_ID = 3;

    /** A ring and a consumer shared by the threads of one group. */
    @State(Scope.Group)
    public static class Ring {
        final IngestRing ring = new IngestRing(1 << 20);
        long consumed;
        final IngestRing.TickHandler handler = (symbolId, tick) -> consumed += tick.bid;
    }

    /** Ring and consumer of the same-thread handoff. */
    @State(Scope.Thread)
    public static class LocalRing {
        final IngestRing ring = new IngestRing(1 << 20);
        long consumed;
        final IngestRing.TickHandler handler = (symbolId, tick) -> consumed += tick.bid;
    }

    /** Each producer's own tick. */
    @State(Scope.Thread)
    public static class Producer {
        final Tick tick = Engines.quoteAndTrade(Engines.SYMBOL);
    }

    @Benchmark
    public long offerThenDrain(LocalRing r, Producer p) {
        long drained = 0;
        for (int i = 0; i < Slowdown.REPEAT; i++) {
            Engines.advance(p.tick);
            if (r.ring.offer(SYMBOL_ID, p.tick, p.tick.exchangeTimeNs) != IngestRing.OK) {
                throw new IllegalStateException("ring full in a same-thread handoff");
            }
            drained += r.ring.drain(r.handler, 1);
        }
        return drained + r.consumed;
    }

    @Benchmark
    @Group("oneProducer")
    @GroupThreads(1)
    public void offer(Ring r, Producer p, Control control) {
        offerSpinning(r, p, control);
    }

    @Benchmark
    @Group("oneProducer")
    @GroupThreads(1)
    public int drain(Ring r, Blackhole bh) {
        return drainOrSpin(r, bh);
    }

    @Benchmark
    @Group("twoProducers")
    @GroupThreads(2)
    public void offers(Ring r, Producer p, Control control) {
        offerSpinning(r, p, control);
    }

    @Benchmark
    @Group("twoProducers")
    @GroupThreads(1)
    public int drains(Ring r, Blackhole bh) {
        return drainOrSpin(r, bh);
    }

    private static void offerSpinning(Ring r, Producer p, Control control) {
        Engines.advance(p.tick);
        while (r.ring.offer(SYMBOL_ID, p.tick, p.tick.exchangeTimeNs) != IngestRing.OK) {
            if (control.stopMeasurement) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    private static int drainOrSpin(Ring r, Blackhole bh) {
        final int drained = r.ring.drain(r.handler, 256);
        if (drained == 0) {
            Thread.onSpinWait();
        }
        bh.consume(r.consumed);
        return drained;
    }
}
