package io.tickfan.bench;

import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tickfan.bench.support.ChannelSubscriber;
import io.tickfan.bench.support.DiscardingChannel;
import io.tickfan.bench.support.Engines;
import io.tickfan.bench.support.Forks;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.LoopDispatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * End to end in process, with the real threads: {@code publish} on the benchmark thread, the
 * sequencer on its own thread, one NIO event loop that writes each subscriber's frame through its
 * writer (one gathering write per batch); the writes are discarded instead of making a system call.
 * One operation is one tick from {@code publish} until the last subscriber's channel was flushed,
 * so the score is latency at light load, wake-ups included (the sequencer and the loop park when
 * idle, as in production).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Forks.ADD_EXPORTS, Forks.AGRONA_EXPORT, Forks.NO_LEAK_DETECTION})
public class EndToEndBench {
    @Param({"1", "100"})
    public int subscribers;

    private MultiThreadIoEventLoopGroup workers;
    private FanoutEngine engine;
    private final List<DiscardingChannel> channels = new ArrayList<>();
    private ChannelSubscriber last;
    private Tick tick;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        workers = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        engine = Engines.create(workers, 256).start();
        final EventLoop loop = workers.next();
        final LoopDispatcher dispatcher = engine.dispatcher(loop);
        loop.submit(() -> {
                    for (int i = 0; i < subscribers; i++) {
                        final DiscardingChannel channel = new DiscardingChannel();
                        channels.add(channel);
                        last = new ChannelSubscriber(channel, dispatcher);
                        Engines.subscribe(engine, last.subscriber(), dispatcher);
                    }
                })
                .sync();
        tick = Engines.quoteAndTrade(Engines.SYMBOL);
        // The first tick may overtake the subscriptions; publish until one reaches the last subscriber.
        while (last.flushes() == 0) {
            publishAndWait(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    @Benchmark
    public long publishToChannels() {
        return publishAndWait(Long.MAX_VALUE);
    }

    private long publishAndWait(long deadlineNs) {
        final long before = last.flushes();
        Engines.advance(tick);
        if (engine.publish(tick) != IngestRing.OK) {
            throw new IllegalStateException("ingest ring full with one tick in flight");
        }
        long flushes;
        while ((flushes = last.flushes()) == before && System.nanoTime() < deadlineNs) {
            // Three busy threads on two cores: let the sequencer and the loop run.
            Thread.yield();
        }
        return flushes;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        engine.closeSequencer();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        engine.close();
        for (DiscardingChannel c : channels) {
            c.finishAndReleaseAll();
        }
    }
}
