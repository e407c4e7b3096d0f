package io.tickfan.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.tickfan.bench.support.Engines;
import io.tickfan.bench.support.EventLoopThreads;
import io.tickfan.bench.support.Forks;
import io.tickfan.bench.support.Slowdown;
import io.tickfan.protocol.SseEvents;
import io.tickfan.protocol.Tick;
import io.tickfan.protocol.TickEncoder;
import java.nio.charset.StandardCharsets;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding one tick, done once per tick by the sequencer whatever the number of subscribers.
 * Target: under 300 ns and 0 B/op.
 * The sequencer builds both variants per tick: {@link #bothVariants} is its whole encode.
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
public class TickEncodeBench {
    // The engine's allocator, on a FastThreadLocalThread like the sequencer (its thread cache).
    private final ByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final byte[] symbol = Engines.SYMBOL.getBytes(StandardCharsets.US_ASCII);
    private final byte[] epoch = "k3j2h1a9".getBytes(StandardCharsets.US_ASCII);
    private Tick tick;
    private ByteBuf out;
    private ByteBuf frame;
    private long position = 1_000_000;
    // Entry-id positions (ms << 22 | n << 12 | i) of late 2026, one per shard.
    private final long[] shardPositions = {1_796_000_000_000L << 22, 1_796_000_000_150L << 22, 1_795_999_999_900L << 22
    };

    @Setup
    public void setUp() {
        tick = Engines.quoteAndTrade(Engines.SYMBOL);
        tick.seq = 1_000_000;
        tick.ingestTimeNs = tick.exchangeTimeNs + 40_000;
        out = alloc.directBuffer(TickEncoder.FRAME_HEADROOM + TickEncoder.MAX_JSON_BYTES);
        frame = TickEncoder.webSocketFrame(alloc, symbol, tick, 0);
    }

    @TearDown
    public void tearDown() {
        out.release();
        frame.release();
    }

    /** The JSON text into a reused buffer. */
    @Benchmark
    public int json() {
        int written = 0;
        for (int r = 0; r < Slowdown.REPEAT; r++) {
            next();
            out.clear();
            TickEncoder.writeJson(out, symbol, tick, 0);
            written += out.writerIndex();
        }
        return written;
    }

    /** The complete WebSocket frame, as the sequencer builds it: a pooled buffer, released here. */
    @Benchmark
    public int webSocketFrame() {
        int written = 0;
        for (int r = 0; r < Slowdown.REPEAT; r++) {
            next();
            final ByteBuf frame = TickEncoder.webSocketFrame(alloc, symbol, tick, 0);
            written += frame.readableBytes();
            frame.release();
        }
        return written;
    }

    /**
     * The SSE event from an encoded frame's JSON, as the sequencer builds it after the frame: the
     * cost the SSE variant adds per tick.
     */
    @Benchmark
    public int sseEvent() {
        int written = 0;
        for (int r = 0; r < Slowdown.REPEAT; r++) {
            position++;
            final ByteBuf event = SseEvents.tickEvent(
                    alloc,
                    epoch,
                    position,
                    frame,
                    TickEncoder.FRAME_HEADROOM,
                    frame.writerIndex() - TickEncoder.FRAME_HEADROOM);
            written += event.readableBytes();
            event.release();
        }
        return written;
    }

    /**
     * The SSE event with a three-shard id (redis.shards=3: one base-36 position per shard, decision
     * 0005): what the vector costs over {@link #sseEvent}.
     */
    @Benchmark
    public int sseEventThreeShardIds() {
        int written = 0;
        for (int r = 0; r < Slowdown.REPEAT; r++) {
            shardPositions[(int) (position++ % 3)] += 4096;
            final ByteBuf event = SseEvents.tickEvent(
                    alloc,
                    epoch,
                    shardPositions,
                    frame,
                    TickEncoder.FRAME_HEADROOM,
                    frame.writerIndex() - TickEncoder.FRAME_HEADROOM);
            written += event.readableBytes();
            event.release();
        }
        return written;
    }

    /** The WebSocket frame and the SSE event of one tick: the sequencer's encode, once per tick. */
    @Benchmark
    public int bothVariants() {
        int written = 0;
        for (int r = 0; r < Slowdown.REPEAT; r++) {
            next();
            position++;
            final ByteBuf ws = TickEncoder.webSocketFrame(alloc, symbol, tick, 0);
            final ByteBuf sse = SseEvents.tickEvent(
                    alloc,
                    epoch,
                    position,
                    ws,
                    TickEncoder.FRAME_HEADROOM,
                    ws.writerIndex() - TickEncoder.FRAME_HEADROOM);
            written += ws.readableBytes() + sse.readableBytes();
            ws.release();
            sse.release();
        }
        return written;
    }

    private void next() {
        tick.seq++;
        tick.ingestTimeNs += 1_000;
        Engines.advance(tick);
    }
}
