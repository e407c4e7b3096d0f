package io.tickfan.bench.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.unix.IovArray;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.Subscriber;
import io.tickfan.server.transport.BatchWriter;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A subscriber that does what {@code WebSocketSession} does per batch against a channel that
 * discards what it is written: hand the batch's shared frames to the loop's {@link BatchWriter},
 * whose socket here is a sink that discards the gathered iovecs (everything but the
 * {@code writev} system call is measured). With {@code -Dtickfan.bench.pipelineWrites=true} it
 * takes the pipeline path instead (a retained duplicate per tick through the channel's pipeline
 * and outbound buffer, one flush per batch), to compare the two.
 */
public class ChannelSubscriber extends Subscriber {
    private static final boolean PIPELINE_WRITES = Boolean.getBoolean("tickfan.bench.pipelineWrites");
    private static final BatchWriter.Sink DISCARD = IovArray::size;

    private final Channel channel;
    private final LoopDispatcher dispatcher;
    private EncodedTick captured;
    private boolean unflushed;
    // Published with a release store: a volatile store's fence per batch would be measured as dispatch.
    private final AtomicLong flushes = new AtomicLong();

    public ChannelSubscriber(Channel channel, LoopDispatcher dispatcher) {
        this.channel = channel;
        this.dispatcher = dispatcher;
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
    protected void writeTicks(EncodedTick[] ticks, int count) {
        if (capture) {
            capture = false;
            captured = ticks[0].retain();
        }
        if (PIPELINE_WRITES || !writer().write(channel, channel, DISCARD, ticks, count, BatchWriter.WEBSOCKET)) {
            super.writeTicks(ticks, count);
        }
    }

    @Override
    protected void deliver(EncodedTick tick) {
        final ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        if (outbound == null || outbound.totalPendingWriteBytes() > 1 << 20) {
            throw new IllegalStateException("discarding channel backed up");
        }
        channel.write(tick.webSocketFrame().retainedDuplicate(), channel.voidPromise());
        unflushed = true;
    }

    @Override
    protected void flush() {
        if (unflushed) {
            unflushed = false;
            channel.flush();
        }
        flushes.lazySet(flushes.get() + 1);
    }

    @Override
    protected boolean isWritable() {
        return true;
    }

    @Override
    protected void deliverConflated(EncodedTick tick) {
        channel.write(tick.webSocketFrame().retainedDuplicate(), channel.voidPromise());
        unflushed = true;
    }

    /** Only maxHz and a lagging subscriber schedule; the benchmarks use neither. */
    @Override
    protected void schedule(Runnable task, long delayNs) {
        channel.eventLoop().schedule(task, delayNs, TimeUnit.NANOSECONDS);
    }

    @Override
    protected long slowConsumerTimeoutNs() {
        return Long.MAX_VALUE;
    }

    @Override
    protected void closeSlowConsumer() {
        throw new IllegalStateException("a discarding channel never lags");
    }
}
