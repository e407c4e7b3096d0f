package io.tickfan.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.AuthResult;
import io.tickfan.server.auth.Principal;
import java.util.function.Consumer;

/**
 * Runs the token check of a request and continues with the principal on the connection's event
 * loop, or answers 401/403 (503 with Retry-After when the verifier queue is full). While an RS256
 * or ES256 token is verified off the loop, the connection stops reading and the request is
 * retained; both are restored whatever the outcome.
 */
public final class AuthenticatedRequest {
    private AuthenticatedRequest() {}

    /** {@code request} stays owned by the caller; it is retained here for as long as needed. */
    public static void authenticateThen(
            ChannelHandlerContext ctx, FullHttpRequest request, ServerContext context, Consumer<Principal> next) {
        authenticateThen(ctx, request, context, false, next);
    }

    /**
     * As above; with {@code headerOnly} the token is taken from {@code Authorization} alone (admin
     * actions: never a cookie a browser would send by itself). A request from an origin the {@link
     * OriginPolicy} refuses gets 403 before its token is looked at.
     */
    public static void authenticateThen(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            ServerContext context,
            boolean headerOnly,
            Consumer<Principal> next) {
        final long startNs = System.nanoTime();
        if (!context.origins.permits(request, !headerOnly && context.tokenExtractor.carriedByCookie(request))) {
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.FORBIDDEN, "forbidden", "origin not allowed");
            context.upgradeTimings.record(ctx.executor(), false, startNs);
            return;
        }
        final String token = headerOnly
                ? context.tokenExtractor.fromAuthorizationHeader(request)
                : context.tokenExtractor.extract(request);
        request.retain();
        final Answer answer = new Answer(ctx, request, context, next, startNs);
        context.authenticator.verify(token, ctx.executor(), answer);
        if (!answer.answered) {
            // Verified off the loop: read nothing more until the answer. A cached or HS256 token is
            // answered before verify returns, and then the connection's reading is left alone (each
            // change of it is an epoll_ctl; two per upgrade in a reconnect storm).
            answer.paused = true;
            ctx.channel().config().setAutoRead(false);
        }
    }

    /** The continuation of one request's token check, on the connection's loop. */
    private static final class Answer implements Consumer<AuthResult> {
        private final ChannelHandlerContext ctx;
        private final FullHttpRequest request;
        private final ServerContext context;
        private final Consumer<Principal> next;
        private final long startNs;
        boolean answered;
        boolean paused;

        Answer(
                ChannelHandlerContext ctx,
                FullHttpRequest request,
                ServerContext context,
                Consumer<Principal> next,
                long startNs) {
            this.ctx = ctx;
            this.request = request;
            this.context = context;
            this.next = next;
            this.startNs = startNs;
        }

        @Override
        public void accept(AuthResult result) {
            answered = true;
            try {
                if (paused) {
                    ctx.channel().config().setAutoRead(true);
                }
                if (!ctx.channel().isActive()) {
                    return;
                }
                if (result.isOk()) {
                    next.accept(result.principal());
                } else if (result.status() == 503) {
                    context.refusals.record(503, result.reason());
                    final var response = HttpResponses.json(
                            HttpResponseStatus.SERVICE_UNAVAILABLE,
                            "{\"error\":\"busy\",\"reason\":\"" + result.reason() + "\"}");
                    response.headers().set(HttpHeaderNames.RETRY_AFTER, 1);
                    HttpResponses.sendAndClose(ctx, response);
                } else {
                    context.refusals.record(result.status(), result.reason());
                    HttpResponses.sendAuthFailure(ctx, result);
                }
                context.upgradeTimings.record(ctx.executor(), result.isOk(), startNs);
            } finally {
                request.release();
            }
        }
    }
}
