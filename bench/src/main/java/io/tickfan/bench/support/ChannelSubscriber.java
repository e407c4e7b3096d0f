package io.tickfan.bench.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.IovArray;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.Subscriber;
import io.tickfan.server.fanout.TickSink;
import io.tickfan.server.transport.BatchWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sink of an engine {@link Subscriber} that does what {@code WebSocketSession} does per batch
 * against a channel that discards what it is written: hand the batch's shared frames to the loop's {@link BatchWriter},
 * whose socket here is a sink that discards the gathered iovecs (everything but the
 * {@code writev} system call is measured). With {@code -Dtickfan.bench.pipelineWrites=true} it
 * takes the pipeline path instead (a retained duplicate per tick through the channel's pipeline
 * and outbound buffer, one flush per batch), to compare the two.
 */
public class ChannelSubscriber implements TickSink {
    private static final boolean PIPELINE_WRITES = Boolean.getBoolean("tickfan.bench.pipelineWrites");
    private static final BatchWriter.Sink DISCARD = IovArray::size;

    private final Channel channel;
    private final LoopDispatcher dispatcher;
    private final Subscriber subscriber = new Subscriber(this);
    private EncodedTick captured;
    private boolean unflushed;
    // Published with a release store: a volatile store's fence per batch would be measured as dispatch.
    private final AtomicLong flushes = new AtomicLong();

    public ChannelSubscriber(Channel channel, LoopDispatcher dispatcher) {
        this.channel = channel;
        this.dispatcher = dispatcher;
    }

    /** The engine's state of this sink: what the benchmarks subscribe. */
    public Subscriber subscriber() {
        return subscriber;
    }

    /** Ticks written so far (see {@link Subscriber#ticksWritten}). */
    public long ticksWritten() {
        return subscriber.ticksWritten();
    }

    /** The next tick delivered is kept (one reference), for benchmarks that replay it. */
    public void captureNext() {
        captured = null;
        capture = true;
    }

    private boolean capture;

    /** The captured tick, or null; the caller owns its reference. */
    public EncodedTick captured() {
        return captured;
    }

    /** Batches flushed so far; written by the subscriber's loop only, read by any thread. */
    public long flushes() {
        return flushes.get();
    }

    private BatchWriter writer;

    /** The loop thread's writer, taken on the loop at the first batch, as a session takes it on attach. */
    private BatchWriter writer() {
        BatchWriter w = writer;
        if (w == null) {
            writer = w = BatchWriter.ofThisThread();
        }
        return w;
    }

    @Override
    public long writeTicks(EncodedTick[] ticks, int count) {
        if (capture) {
            capture = false;
            captured = ticks[0].retain();
        }
        // Bytes are not counted (0): the benchmarks measure dispatch and writing, as before the sink.
        if (!PIPELINE_WRITES && writer().write(channel, channel, DISCARD, ticks, count, BatchWriter.WEBSOCKET)) {
            return 0;
        }
        for (int i = 0; i < count; i++) {
            final ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
            if (outbound == null || outbound.totalPendingWriteBytes() > 1 << 20) {
                throw new IllegalStateException("discarding channel backed up");
            }
            channel.write(ticks[i].webSocketFrame().retainedDuplicate(), channel.voidPromise());
        }
        unflushed = true;
        return 0;
    }

    @Override
    public void flush() {
        if (unflushed) {
            unflushed = false;
            channel.flush();
        }
        flushes.lazySet(flushes.get() + 1);
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public int writeConflated(EncodedTick tick) {
        channel.write(tick.webSocketFrame().retainedDuplicate(), channel.voidPromise());
        unflushed = true;
        return 0;
    }

    /** Only maxHz and a lagging subscriber schedule; the benchmarks use neither. */
    @Override
    public void schedule(Runnable task, long delayNs) {
        channel.eventLoop().schedule(task, delayNs, TimeUnit.NANOSECONDS);
    }

    @Override
    public void closeSlowConsumer() {
        throw new IllegalStateException("a discarding channel never lags");
    }
}
