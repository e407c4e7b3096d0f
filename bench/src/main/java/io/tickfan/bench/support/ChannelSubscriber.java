package io.tickfan.bench.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.Subscriber;
import java.util.concurrent.TimeUnit;

/**
 * A subscriber that does what {@code WebSocketSession} does per delivery (check the outbound
 * backlog, write a retained duplicate of the shared frame, flush once per batch) against a channel
 * that discards what it is written.
 *
 */
public class ChannelSubscriber extends Subscriber {
    private final Channel channel;
    private EncodedTick captured;
    private volatile long flushes;

    public ChannelSubscriber(Channel channel) {
        this.channel = channel;
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
        return flushes;
    }

    @Override
    protected void deliver(EncodedTick tick) {
        if (capture) {
            capture = false;
            captured = tick.retain();
        }
        final ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        if (outbound == null || outbound.totalPendingWriteBytes() > 1 << 20) {
            throw new IllegalStateException("discarding channel backed up");
        }
        channel.write(tick.webSocketFrame().retainedDuplicate(), channel.voidPromise());
    }

    @Override
    protected void flush() {
        channel.flush();
        flushes = flushes + 1;
    }

    @Override
    protected boolean isWritable() {
        return true;
    }

    @Override
    protected void deliverConflated(EncodedTick tick) {
        channel.write(tick.webSocketFrame().retainedDuplicate(), channel.voidPromise());
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
