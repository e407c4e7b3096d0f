package io.tickfan.server.ws;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.tickfan.protocol.BinaryTicks;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.auth.TokenExtractor;
import io.tickfan.server.http.AuthenticatedRequest;
import io.tickfan.server.http.HttpResponses;

/**
 * Turns an HTTP request on the WebSocket path into a WebSocket session, or refuses it. The token is
 * verified first: a refused client gets 401 or 403 with a JSON reason and never a 101. Only then
 * is the handshake answered (selecting {@code tickfan.v1}, never echoing a token) and the router
 * replaced by the {@link WebSocketFrameHandler}.
 */
public final class WebSocketUpgrader {
    private WebSocketUpgrader() {}

    /** Handles {@code request}, which the caller releases. */
    public static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, ServerContext context) {
        if (!request.method().equals(HttpMethod.GET)
                || !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            HttpResponses.sendErrorAndClose(
                    ctx, HttpResponseStatus.UPGRADE_REQUIRED, "upgrade_required", "expected a WebSocket upgrade");
            return;
        }
        if (!offersOurSubprotocol(request)) {
            // A 101 without a Sec-WebSocket-Protocol answer is refused by browsers: say why instead.
            HttpResponses.sendErrorAndClose(
                    ctx,
                    HttpResponseStatus.BAD_REQUEST,
                    "bad_request",
                    "Sec-WebSocket-Protocol must include " + TokenExtractor.SUBPROTOCOL + " (offer "
                            + TokenExtractor.SUBPROTOCOL + ", bearer.<token>)");
            return;
        }
        AuthenticatedRequest.authenticateThen(
                ctx, request, context, principal -> handshake(ctx, request, context, principal));
    }

    /** No subprotocol offered, or one of ours among those offered. */
    private static boolean offersOurSubprotocol(FullHttpRequest request) {
        return request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL).isEmpty()
                || chosenSubprotocol(request) != null;
    }

    /**
     * The first of ours in the client's order of preference ({@code tickfan.v1.bin} or {@code
     * tickfan.v1}), as the handshaker selects it; null when none is offered.
     */
    static String chosenSubprotocol(FullHttpRequest request) {
        for (String line : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            for (String p : line.split(",")) {
                final String offered = p.trim();
                if (offered.equals(TokenExtractor.SUBPROTOCOL) || offered.equals(BinaryTicks.SUBPROTOCOL)) {
                    return offered;
                }
            }
        }
        return null;
    }

    private static void handshake(
            ChannelHandlerContext ctx, FullHttpRequest request, ServerContext context, Principal principal) {
        final WebSocketDecoderConfig decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(context.maxFrameBytes)
                .allowExtensions(false)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                // WebSocketFrameHandler sends the close frame: Netty sends none for a bad close frame.
                .closeOnProtocolViolation(false)
                .withUTF8Validator(true)
                .build();
        final WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                        "ws://" + request.headers().get(HttpHeaderNames.HOST, "localhost") + context.wsPath,
                        BinaryTicks.SUBPROTOCOL + "," + TokenExtractor.SUBPROTOCOL,
                        decoderConfig)
                .newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        final WebSocketSession session = new WebSocketSession(
                context,
                principal,
                context.engine.dispatcher(ctx.channel().eventLoop()),
                BinaryTicks.SUBPROTOCOL.equals(chosenSubprotocol(request)));
        ctx.pipeline().replace(ctx.handler(), "ws", new WebSocketFrameHandler(session, handshaker));
        ctx.pipeline()
                // The raw handshaker (unlike WebSocketServerProtocolHandler) does not add the UTF-8 check.
                .addBefore("ws", "utf8", new Utf8FrameValidator(false));
        handshaker.handshake(ctx.channel(), request).addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
    }
}
