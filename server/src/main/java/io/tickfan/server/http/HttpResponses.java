package io.tickfan.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.tickfan.server.auth.AuthResult;
import java.nio.charset.StandardCharsets;

/** JSON error and status responses sent before (instead of) an upgrade. */
public final class HttpResponses {
    private HttpResponses() {}

    /**
     * Sends {@code {"error":<error>,"reason":<reason>}} with {@code status} and closes the connection.
     * {@code reason} must be plain ASCII text without quotes or backslashes (it is one of ours).
     */
    public static void sendErrorAndClose(
            ChannelHandlerContext ctx, HttpResponseStatus status, String error, String reason) {
        final FullHttpResponse response = json(status, "{\"error\":\"" + error + "\",\"reason\":\"" + reason + "\"}");
        if (status.code() == 401) {
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"");
        }
        sendAndClose(ctx, response);
    }

    /** Sends {@code response} with {@code Connection: close} and closes once it is written. */
    public static void sendAndClose(ChannelHandlerContext ctx, FullHttpResponse response) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** Refuses a request whose token failed: 401 or 403 with the reason. */
    public static void sendAuthFailure(ChannelHandlerContext ctx, AuthResult auth) {
        sendErrorAndClose(
                ctx,
                HttpResponseStatus.valueOf(auth.status()),
                auth.status() == 401 ? "unauthorized" : "forbidden",
                auth.reason());
    }

    /** A JSON response with the given body. */
    public static FullHttpResponse json(HttpResponseStatus status, String body) {
        final ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        final FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }

    /**
     * The engine's command queue is full ({@code fanout.commandQueueCapacity}): 503 {@code
     * overloaded} with {@code Retry-After: 1}, nothing subscribed, the connection closed (a stream or a poll).
     */
    public static void refuseOverloaded(ChannelHandlerContext ctx) {
        final FullHttpResponse response = json(
                HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"error\":\"overloaded\",\"reason\":\"server busy; retry\"}");
        response.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
        sendAndClose(ctx, response);
    }
}
