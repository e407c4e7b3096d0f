package io.tickfan.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.AuthResult;
import io.tickfan.server.session.AdminActions;

/**
 * {@code POST /admin/drain} and {@code POST /admin/disconnect}, for tokens with the {@code admin}
 * role: the operator's trigger for a drain without a signal, and for reconnect-storm drills.
 */
final class AdminRequest {
    private AdminRequest() {}

    static void handle(ChannelHandlerContext ctx, FullHttpRequest request, String action, ServerContext context) {
        if (!request.method().equals(HttpMethod.POST)) {
            HttpResponses.sendErrorAndClose(
                    ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "bad_request", "admin actions need POST");
            return;
        }
        // The Authorization header only: a cookie would let any page the operator visits drain the pod.
        AuthenticatedRequest.authenticateThen(ctx, request, context, true, principal -> {
            if (!principal.admin()) {
                HttpResponses.sendAuthFailure(ctx, AuthResult.forbidden("admin role required"));
                return;
            }
            final AdminActions actions = context.adminActions();
            final int told;
            switch (action) {
                case "drain" -> told = actions.drain();
                case "disconnect" -> told = actions.disconnectAll();
                default -> {
                    HttpResponses.sendErrorAndClose(
                            ctx, HttpResponseStatus.NOT_FOUND, "not_found", "no such admin action");
                    return;
                }
            }
            HttpResponses.sendAndClose(
                    ctx,
                    HttpResponses.json(
                            HttpResponseStatus.OK, "{\"action\":\"" + action + "\",\"sessions\":" + told + "}"));
        });
    }
}
