package io.tickfan.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.AttributeKey;

/**
 * CORS for {@code /sse} and {@code /poll}, for the origins of {@code http.allowedOrigins}: the
 * router answers preflights ({@link #preflight}) and marks the connection (or HTTP/2 stream) with
 * the request's allowed origin; this handler adds the headers to every response head written
 * after, errors included, so a page on that origin can read them with credentials. It removes
 * itself at the first write that is not a response head (an SSE body): ticks never pass it.
 */
@ChannelHandler.Sharable
public final class CorsHeaders extends ChannelOutboundHandlerAdapter {
    public static final String NAME = "cors";
    static final CorsHeaders INSTANCE = new CorsHeaders();

    private static final AttributeKey<String> ORIGIN = AttributeKey.valueOf("tickfan.corsOrigin");
    private static final String ALLOWED_HEADERS = "Authorization, Last-Event-ID, Cache-Control";
    private static final int MAX_AGE_SECONDS = 600;

    private CorsHeaders() {}

    /** The router: responses on {@code channel} from now on allow {@code origin} (null: none). */
    static void allow(Channel channel, String origin) {
        // No attribute for the usual case (no origin allowed, none before): every WebSocket would keep one.
        if (origin != null || channel.hasAttr(ORIGIN)) {
            channel.attr(ORIGIN).set(origin);
        }
    }

    /**
     * Answers an {@code OPTIONS} preflight: 204 with the allowed method and headers for a listed
     * origin, 403 otherwise.
     */
    static void preflight(ChannelHandlerContext ctx, FullHttpRequest request, String origin, boolean http2) {
        if (origin == null) {
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.FORBIDDEN, "forbidden", "origin not allowed");
            return;
        }
        final FullHttpResponse response = HttpResponses.json(HttpResponseStatus.NO_CONTENT, "");
        response.headers()
                .remove(HttpHeaderNames.CONTENT_TYPE)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET")
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS)
                .setInt(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS);
        decorate(response.headers(), origin);
        final boolean keepAlive = http2 || HttpUtil.isKeepAlive(request);
        if (!keepAlive) {
            HttpResponses.sendAndClose(ctx, response);
            return;
        }
        HttpUtil.setKeepAlive(response, true);
        ctx.writeAndFlush(response);
    }

    private static void decorate(HttpHeaders headers, String origin) {
        headers.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, origin)
                .set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true")
                .set(HttpHeaderNames.VARY, HttpHeaderNames.ORIGIN);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            final String origin =
                    ctx.channel().hasAttr(ORIGIN) ? ctx.channel().attr(ORIGIN).get() : null;
            if (origin != null && !response.headers().contains(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN)) {
                decorate(response.headers(), origin);
            }
        } else {
            ctx.pipeline().remove(this);
        }
        ctx.write(msg, promise);
    }
}
