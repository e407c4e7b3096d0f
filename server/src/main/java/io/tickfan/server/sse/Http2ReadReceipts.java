package io.tickfan.server.sse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.tickfan.server.fanout.ReadReceipts;
import io.tickfan.server.transport.Connections;
import java.util.concurrent.TimeUnit;

/**
 * Read receipts of one HTTP/2 connection, shared by its SSE streams: a numbered PING frame at most
 * every {@code outbound.readReceiptMs} while ticks flow, which every HTTP/2 peer answers once it has
 * read the connection up to the PING. A client that answers none for {@code outbound.lagConflateMs}
 * has stopped reading the connection ({@link ReadReceipts}), wherever the bytes wait (the kernel's
 * send buffer and the client's own receive buffer, which on loopback takes hundreds of kilobytes
 * before TCP pushes back). A stream whose own window stays closed is seen by its writability
 * instead; this sees a client that stopped reading the socket. Cost: one PING and its ACK per
 * interval per connection, not per stream.
 *
 * <p>Its streams are closed as slow consumers once they lag past their timeout, but the connection
 * would stay, its kernel buffers full: a PING still unanswered {@code closeAfterMs} after it was
 * sent, with no PING answered since, resets the connection ({@link Connections#reset}).
 *
 * <p>Sits in the connection's pipeline after the {@code Http2MultiplexHandler}, which passes
 * connection frames (the PING ACK) on. Its streams run on the connection's event loop, so it is
 * touched by one thread only.
 */
public final class Http2ReadReceipts extends ChannelInboundHandlerAdapter {
    public static final String NAME = "receipts";
    /** How long after its streams' slow-consumer timeout a connection that still reads nothing is reset. */
    public static final long CLOSE_GRACE_MS = 2_000;

    private final long intervalMs;
    private final long closeAfterMs;
    private ChannelHandlerContext ctx;
    private ReadReceipts receipts;

    /**
     * @param intervalMs {@code outbound.readReceiptMs}; 0: no receipts
     * @param closeAfterMs how long a PING may stay unanswered before the connection is reset
     */
    public Http2ReadReceipts(long intervalMs, long closeAfterMs) {
        this.intervalMs = intervalMs;
        this.closeAfterMs = closeAfterMs;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.receipts = new ReadReceipts(intervalMs, System.nanoTime());
    }

    /**
     * A stream flushed ticks: sends a PING if one is due. Written after the stream's flush, so it
     * travels behind its DATA frames (those its window let through).
     */
    void ask(long nowNs) {
        if (!ctx.channel().isActive()) {
            return;
        }
        final long number = receipts.due(nowNs);
        if (number != 0) {
            ctx.writeAndFlush(new DefaultHttp2PingFrame(number), ctx.voidPromise());
            ctx.executor().schedule(() -> expire(number), closeAfterMs, TimeUnit.MILLISECONDS);
        }
    }

    private void expire(long number) {
        if (receipts.unansweredSinceSent(number)) {
            Connections.reset(ctx.channel());
        }
    }

    /** See {@link ReadReceipts#stalledSinceNs()}. */
    long unansweredSinceNs() {
        return receipts.stalledSinceNs();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof Http2PingFrame ping && ping.ack()) {
            receipts.answered(ping.content(), System.nanoTime());
            return;
        }
        ctx.fireChannelRead(msg);
    }
}
