package io.tickfan.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.AuthResult;
import io.tickfan.server.metrics.MetricsScraper;
import io.tickfan.server.metrics.prometheus.MetricsServer;

/**
 * {@code GET /metrics} on the main port, for tokens with the {@code admin} role (the clients' port
 * faces the internet). The unauthenticated alternative is {@code metrics.port}.
 */
final class MetricsRequest {
    private MetricsRequest() {}

    static void handle(ChannelHandlerContext ctx, FullHttpRequest request, ServerContext context) {
        AuthenticatedRequest.authenticateThen(ctx, request, context, principal -> {
            if (!principal.admin()) {
                HttpResponses.sendAuthFailure(ctx, AuthResult.forbidden("admin role required"));
                return;
            }
            final MetricsScraper metrics = context.metrics();
            if (metrics == null) {
                HttpResponses.sendErrorAndClose(
                        ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "starting", "metrics not ready yet");
                return;
            }
            HttpResponses.sendAndClose(ctx, MetricsServer.response(metrics, request));
        });
    }
}
