package io.tickfan.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes a connection that has not delivered a complete first request (upgrade, SSE, poll) within
 * the deadline, however slowly it trickles bytes in: the slowloris defence. The router removes it
 * once a request is complete.
 */
public final class RequestDeadlineHandler extends ChannelInboundHandlerAdapter {
    /** Pipeline name, for the router to find it. */
    public static final String NAME = "deadline";

    private final long deadlineMs;
    private ScheduledFuture<?> timer;

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
            timer = ctx.executor().schedule(() -> ctx.close(), deadlineMs, TimeUnit.MILLISECONDS);
        }
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
