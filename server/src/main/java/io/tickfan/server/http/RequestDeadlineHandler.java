package io.tickfan.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has not delivered a complete first request within the deadline, however
 * slowly it trickles bytes in: the slowloris defence. The router removes it once a request is
 * complete.
 *
 * <p>The deadline judges the client, not the server's own backlog: when it passes, the connection
 * is closed at the end of the next read that still leaves the request incomplete, or after a second
 * deadline if nothing more is read. A busy loop runs its timers between read passes, so a request
 * that arrived during a long pass (an HTTP/2 connection's hundred streams set up in one read, under
 * load) still waits unread in the kernel when the timer runs; closing then would reset a client that
 * was in time (measured: 22 of 100 h2c connections of 100 streams each, load average 12). A
 * connection that sends nothing is closed after twice the deadline.
 */
public final class RequestDeadlineHandler extends ChannelInboundHandlerAdapter {
    /** Pipeline name, for the router to find it. */
    public static final String NAME = "deadline";

    private final long deadlineMs;
    private ScheduledFuture<?> timer;
    /** The deadline passed: the next read that leaves the request incomplete closes the connection. */
    private boolean expired;

    public RequestDeadlineHandler(long deadlineMs) {
        this.deadlineMs = deadlineMs;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (timer == null) {
            timer = ctx.executor().schedule(() -> expire(ctx), deadlineMs, TimeUnit.MILLISECONDS);
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        if (expired) {
            ctx.close(); // nothing read for a second deadline
            return;
        }
        expired = true;
        timer = ctx.executor().schedule(() -> expire(ctx), deadlineMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        // Still here after a read: the request is not complete (the router removes this handler).
        if (expired) {
            ctx.close();
            return;
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
    }

    /** The first request arrived: stop the clock on {@code ctx}'s connection. */
    public static void requestComplete(ChannelHandlerContext ctx) {
        final Channel connection = ctx.channel() instanceof Http2StreamChannel stream ? stream.parent() : ctx.channel();
        if (connection.pipeline().get(NAME) != null) {
            connection.pipeline().remove(NAME);
        }
    }
}
