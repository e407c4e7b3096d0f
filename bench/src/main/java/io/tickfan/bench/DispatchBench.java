package io.tickfan.bench;

import io.tickfan.bench.support.ChannelSubscriber;
import io.tickfan.bench.support.DiscardingChannel;
import io.tickfan.bench.support.EmbeddedLoops;
import io.tickfan.bench.support.Engines;
import io.tickfan.bench.support.EventLoopThreads;
import io.tickfan.bench.support.Forks;
import io.tickfan.bench.support.Slowdown;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.SequencerInvoker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Fan-out dispatch, per delivery: one encoded tick handed to 1, 100 or 10,000 subscribers spread
 * over 1 or 2 event loops. Per tick and loop this is what the sequencer and the loop do: queue one
 * reference to the loop's inbox, wake it once, then on the loop drain the inbox, queue the tick to
 * each of its subscribers, and give each subscriber's batch to the loop's {@code BatchWriter}: the
 * same code {@code WebSocketSession} runs, with a socket that discards the gathered iovecs, so
 * everything but the {@code writev} system call is measured. The loops are embedded and run on the
 * benchmark thread: this is the CPU cost per delivery, without thread hand-off (that is in {@link
 * EndToEndBench}). The benchmark threads are {@code FastThreadLocalThread}s like real event loops
 * ({@link EventLoopThreads}): Netty 4.2 pools recycled objects only on those. With one subscriber
 * the per-tick hand-off (queue, wake, drain) is most of the score.
 *
 * <p>Target: under 50 ns and 0 B/op per delivery.
 */
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
public class DispatchBench {

    /** An engine with {@link #subscribers()} subscribers of one symbol, over {@link #loops} loops. */
    @State(Scope.Thread)
    public abstract static class Fanout {
        @Param({"1", "2"})
        public int loops;

        private EmbeddedLoops group;
        private LoopDispatcher[] busy;
        private EncodedTick tick;
        private final List<DiscardingChannel> channels = new ArrayList<>();
        private final List<ChannelSubscriber> subscribers = new ArrayList<>();

        abstract int subscribers();

        @Setup(Level.Trial)
        public void setUp() {
            group = new EmbeddedLoops(loops);
            final FanoutEngine engine = Engines.create(group, 16);
            final SequencerInvoker sequencer = engine.invoker();
            final int n = subscribers();
            busy = new LoopDispatcher[Math.min(loops, n)];
            for (int i = 0; i < busy.length; i++) {
                busy[i] = engine.dispatcher(group.loop(i));
            }
            ChannelSubscriber first = null;
            for (int i = 0; i < n; i++) {
                final DiscardingChannel channel = new DiscardingChannel();
                channels.add(channel);
                final LoopDispatcher loop = busy[i % busy.length];
                final ChannelSubscriber s = new ChannelSubscriber(channel, loop);
                first = first == null ? s : first;
                subscribers.add(s);
                Engines.subscribe(engine, s.subscriber(), loop);
            }
            drive(sequencer);
            first.captureNext();
            final Tick t = Engines.quoteAndTrade(Engines.SYMBOL);
            engine.publish(t);
            drive(sequencer);
            tick = first.captured();
            long delivered = 0;
            for (ChannelSubscriber s : subscribers) {
                delivered += s.ticksWritten();
            }
            if (tick == null || delivered != n) {
                throw new IllegalStateException("setup delivered " + delivered + " of " + n);
            }
        }

        private void drive(SequencerInvoker sequencer) {
            while (sequencer.invoke() > 0) {
                group.runPendingTasks();
            }
            group.runPendingTasks();
        }

        /** The sequencer's part for one tick (queue + wake per busy loop), then each loop's drain. */
        void dispatch() {
            final LoopDispatcher[] loopsWithSubscribers = busy;
            final EncodedTick t = tick;
            for (int r = 0; r < Slowdown.REPEAT; r++) {
                for (LoopDispatcher d : loopsWithSubscribers) {
                    if (!SequencerInvoker.queue(d, t.retain())) {
                        throw new IllegalStateException("loop inbox full");
                    }
                }
                for (LoopDispatcher d : loopsWithSubscribers) {
                    SequencerInvoker.wake(d);
                }
                group.runPendingTasks();
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            tick.release();
            for (DiscardingChannel c : channels) {
                c.finishAndReleaseAll();
            }
        }
    }

    @State(Scope.Thread)
    public static class To1 extends Fanout {
        @Override
        int subscribers() {
            return 1;
        }
    }

    @State(Scope.Thread)
    public static class To100 extends Fanout {
        @Override
        int subscribers() {
            return 100;
        }
    }

    @State(Scope.Thread)
    public static class To10000 extends Fanout {
        @Override
        int subscribers() {
            return 10_000;
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public void subscribers1(To1 f) {
        f.dispatch();
    }

    @Benchmark
    @OperationsPerInvocation(100)
    public void subscribers100(To100 f) {
        f.dispatch();
    }

    @Benchmark
    @OperationsPerInvocation(10_000)
    public void subscribers10000(To10000 f) {
        f.dispatch();
    }
}
