package io.tickfan.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.tickfan.server.ServerContext;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.admission.AdmissionHandler;
import io.tickfan.server.poll.LongPollRequest;
import io.tickfan.server.sse.SseUpgrader;
import io.tickfan.server.ws.WebSocketUpgrader;

/**
 * Routes HTTP requests, on HTTP/1.1 connections and on HTTP/2 streams alike: the WebSocket path
 * goes to {@link WebSocketUpgrader} (HTTP/1.1 only), the SSE path to {@link SseUpgrader}, the poll
 * path to {@link LongPollRequest}, {@code /admin/*} to {@link AdminRequest}; {@code /health}
 * (liveness) and {@code /ready} (readiness, false while draining) answer; everything else is 404.
 * A connection refused by admission control gets its 429 or 503 here, with {@code Retry-After}. Each of them
 * checks the token before answering 101 or 200. Malformed or oversized requests get 400 or 431.
 */
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final String ADMIN_PREFIX = "/admin/";

    private final ServerContext context;
    private final boolean http2;

    public HttpRouter(ServerContext context, boolean http2) {
        this.context = context;
        this.http2 = http2;
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
        RequestDeadlineHandler.requestComplete(ctx);
        final QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        final String path;
        try {
            path = uri.path();
            uri.parameters(); // decoded (and kept) here: a bad escape is the client's 400, not a throw later
        } catch (IllegalArgumentException e) {
            HttpResponses.sendErrorAndClose(
                    ctx, HttpResponseStatus.BAD_REQUEST, "bad_request", "malformed request target");
            return;
        }
        AdmissionControl.Rejection rejection = AdmissionHandler.rejectionOf(ctx.channel());
        if (rejection == null
                && !request.method().equals(HttpMethod.OPTIONS)
                && (path.equals(context.wsPath) || path.equals(context.ssePath) || path.equals(context.pollPath))) {
            // Admission judged the connection; a drain that began since refuses its new sessions too.
            rejection = context.admission.drainingRejection();
        }
        if (rejection != null) {
            context.refusals.record(rejection.status(), rejection.reason());
            final FullHttpResponse response = HttpResponses.json(
                    HttpResponseStatus.valueOf(rejection.status()),
                    "{\"error\":\"rejected\",\"reason\":\"" + rejection.reason() + "\"}");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, rejection.retryAfterSeconds());
            HttpResponses.sendAndClose(ctx, response);
            return;
        }
        final boolean corsPath = path.equals(context.ssePath) || path.equals(context.pollPath);
        if (ctx.pipeline().get(CorsHeaders.NAME) != null) {
            CorsHeaders.allow(ctx.channel(), corsPath ? context.origins.corsOrigin(request) : null);
        }
        if (corsPath && request.method().equals(HttpMethod.OPTIONS)) {
            CorsHeaders.preflight(ctx, request, context.origins.corsOrigin(request), http2);
        } else if (path.startsWith(ADMIN_PREFIX)) {
            AdminRequest.handle(ctx, request, path.substring(ADMIN_PREFIX.length()), context);
        } else if (path.equals(context.wsPath)) {
            if (http2) {
                HttpResponses.sendErrorAndClose(
                        ctx,
                        HttpResponseStatus.BAD_REQUEST,
                        "bad_request",
                        "WebSocket needs HTTP/1.1; use SSE over HTTP/2");
            } else {
                WebSocketUpgrader.upgrade(ctx, request, context);
            }
        } else if (path.equals(context.ssePath)) {
            SseUpgrader.upgrade(ctx, request, uri, context, http2);
        } else if (path.equals(context.pollPath)) {
            LongPollRequest.handle(ctx, request, uri, context, http2);
        } else if (path.equals("/metrics") && request.method().equals(HttpMethod.GET)) {
            MetricsRequest.handle(ctx, request, context);
        } else if ((path.equals("/health") || path.equals("/ready"))
                && request.method().equals(HttpMethod.GET)) {
            // Liveness is ok while the engine runs; readiness turns false when draining, when the
            // engine failed, or when the Redis bridge stopped reading (the reason says which).
            final boolean failed = context.isFailed();
            final String notReady = failed ? "engine failed" : path.equals("/health") ? null : context.notReadyReason();
            final boolean ok = notReady == null;
            final var response = HttpResponses.json(
                    ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE,
                    ok
                            ? "{\"status\":\"ok\"}"
                            : failed
                                    ? "{\"status\":\"failed\"}"
                                    : "{\"status\":\"" + (notReady.equals("draining") ? "draining" : "not_ready")
                                            + "\",\"reason\":\"" + notReady.replace("\"", "'") + "\"}");
            final boolean keepAlive = http2 || HttpUtil.isKeepAlive(request);
            HttpUtil.setKeepAlive(response, keepAlive);
            final var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        } else if (DemoPage.serves(path, context)) {
            DemoPage.handle(ctx, request, path, context, http2);
        } else {
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.NOT_FOUND, "not_found", "no such path");
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // The router is the last handler of an HTTP/2 stream, and in front of the log on HTTP/1.1.
        context.clientErrors.close(ctx, cause);
    }
}
