package io.tickfan.server.sse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.http.AuthenticatedRequest;
import io.tickfan.server.http.HttpResponses;
import io.tickfan.server.http.SymbolQuery;
import io.tickfan.server.session.ResumePoint;
import java.util.List;

/**
 * Opens an SSE stream: checks the token and the symbols first (401, 403 or 400 as JSON, no stream
 * opened), then answers 200 {@code text/event-stream} and replaces the router with the {@link
 * SseHandler}. On HTTP/1.1 the HTTP codec is removed after the response head, so ticks go to the
 * socket as the shared pre-built bytes (the body ends when the connection closes); on HTTP/2 the
 * connection's {@link Http2TickWriter} frames them (a DATA frame header per stream and batch).
 */
public final class SseUpgrader {
    private SseUpgrader() {}

    /** Handles {@code request}, which the caller releases. */
    public static void upgrade(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            QueryStringDecoder uri,
            ServerContext context,
            boolean http2) {
        if (!request.method().equals(HttpMethod.GET)) {
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "bad_request", "SSE needs GET");
            return;
        }
        AuthenticatedRequest.authenticateThen(
                ctx, request, context, principal -> open(ctx, request, uri, context, http2, principal));
    }

    private static void open(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            QueryStringDecoder uri,
            ServerContext context,
            boolean http2,
            Principal principal) {
        final SymbolQuery query = SymbolQuery.parse(uri, principal, context);
        if (!query.isValid()) {
            HttpResponses.sendErrorAndClose(ctx, query.status(), "bad_request", query.reason());
            return;
        }
        String lastEventId = request.headers().get("Last-Event-ID");
        if (lastEventId == null) {
            final List<String> fromQuery = uri.parameters().get("lastEventId");
            lastEventId = fromQuery == null || fromQuery.isEmpty() ? null : fromQuery.get(0);
        }
        final ResumePoint resume =
                ResumePoint.parse(lastEventId, context.engine.epoch(), context.engine.positionShards());

        final SseSession session = new SseSession(
                context, principal, context.engine.dispatcher(ctx.channel().eventLoop()), http2);
        if (!session.subscribe(query.symbolIds(), resume)) {
            HttpResponses.refuseOverloaded(ctx);
            return;
        }
        final HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE)
                .set("X-Accel-Buffering", "no");
        if (!http2) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.write(response);
        if (!http2) {
            // The head is encoded; from here on the body is raw event bytes, delimited by the close.
            ctx.pipeline().remove("aggregator");
            ctx.pipeline().remove("http");
        }
        ctx.pipeline().replace(ctx.handler(), "sse", new SseHandler(session));
        session.start();
        if (!ctx.channel().isActive()) {
            // Gone while the token was checked: no channelInactive will come for the new handler.
            session.onClosed();
        }
    }
}
