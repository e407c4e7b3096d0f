package io.tickfan.server.sse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.tickfan.server.transport.Connections;
import java.util.concurrent.TimeUnit;

/**
 * Read receipts of one HTTP/2 connection, shared by its SSE streams: a PING frame at most every
 * {@code outbound.readReceiptMs} while ticks flow, which every HTTP/2 peer answers once it has read
 * the connection up to the PING. The age of the unanswered PING is how long the client has not read
 * the connection, wherever the bytes wait (the kernel's send buffer and the client's own receive
 * buffer, which on loopback takes hundreds of kilobytes before TCP pushes back). A stream whose own
 * window stays closed is seen by its writability instead; this sees a client that stopped reading
 * the socket. Cost: one PING and its ACK per interval per connection, not per stream.
 *
 * <p>Its streams are closed as slow consumers once they lag past their timeout, but the connection
 * would stay, its kernel buffers full: a PING still unanswered {@code closeAfterMs} after it was
 * sent resets the connection ({@link Connections#reset}).
 *
 * <p>Sits in the connection's pipeline after the {@code Http2MultiplexHandler}, which passes
 * connection frames (the PING ACK) on. Its streams run on the connection's event loop, so it is
 * touched by one thread only.
 */
public final class Http2ReadReceipts extends ChannelInboundHandlerAdapter {
    public static final String NAME = "receipts";
    /** How long after its streams' slow-consumer timeout a connection that still reads nothing is reset. */
    public static final long CLOSE_GRACE_MS = 2_000;

    private final long intervalNs;
    private final long closeAfterMs;
    private ChannelHandlerContext ctx;
    /** When the outstanding PING was sent ({@link System#nanoTime()}, never 0), or 0: none. */
    private long askedNs;

    private long lastAskedNs;
    private long payload;

    /**
     * @param intervalMs {@code outbound.readReceiptMs}; 0: no receipts
     * @param closeAfterMs how long a PING may stay unanswered before the connection is reset
     */
    public Http2ReadReceipts(long intervalMs, long closeAfterMs) {
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.closeAfterMs = closeAfterMs;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.lastAskedNs = System.nanoTime();
    }

    /**
     * A stream flushed ticks: sends a PING if none is outstanding and the last was sent at least an
     * interval ago. Written after the stream's flush, so it travels behind its DATA frames (those
     * its window let through).
     */
    void ask(long nowNs) {
        if (intervalNs <= 0
                || askedNs != 0
                || nowNs - lastAskedNs < intervalNs
                || !ctx.channel().isActive()) {
            return;
        }
        lastAskedNs = nowNs;
        askedNs = nowNs | 1;
        final long asked = ++payload;
        ctx.writeAndFlush(new DefaultHttp2PingFrame(asked), ctx.voidPromise());
        ctx.executor().schedule(() -> expire(asked), closeAfterMs, TimeUnit.MILLISECONDS);
    }

    private void expire(long asked) {
        if (askedNs != 0 && payload == asked) {
            Connections.reset(ctx.channel());
        }
    }

    /** When the outstanding PING was sent ({@link System#nanoTime()}), or 0: none outstanding. */
    long unansweredSinceNs() {
        return askedNs;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2PingFrame ping && ping.ack()) {
            if (ping.content() == payload) {
                askedNs = 0;
            }
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
