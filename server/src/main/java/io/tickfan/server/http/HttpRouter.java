package io.tickfan.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tickfan.server.ServerContext;
import io.tickfan.server.ws.WebSocketUpgrader;

/**
 * Routes HTTP requests: the WebSocket path goes to {@link WebSocketUpgrader} (which checks the
 * token before any 101), {@code /health} answers, everything else is 404. Malformed or oversized
 * requests get 400, 413 or 431 and a close.
 */
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final ServerContext context;

    public HttpRouter(ServerContext context) {
        this.context = context;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        final DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            final boolean tooLong = result.cause() instanceof TooLongFrameException;
            HttpResponses.sendErrorAndClose(
                    ctx,
                    tooLong ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE : HttpResponseStatus.BAD_REQUEST,
                    "bad_request",
                    tooLong ? "request line or headers too large" : "malformed HTTP request");
            return;
        }
        final String path = new QueryStringDecoder(request.uri()).path();
        if (path.equals(context.wsPath)) {
            WebSocketUpgrader.upgrade(ctx, request, context);
        } else if (path.equals("/health") && request.method().equals(HttpMethod.GET)) {
            final var response = HttpResponses.json(HttpResponseStatus.OK, "{\"status\":\"ok\"}");
            final boolean keepAlive = HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            final var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        } else {
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.NOT_FOUND, "not_found", "no such path");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Bytes that are not HTTP at all (or a reset peer): nothing to answer, nobody else affected.
        ctx.close();
    }
}
