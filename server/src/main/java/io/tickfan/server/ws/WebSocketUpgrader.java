package io.tickfan.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.concurrent.FastThreadLocal;
import io.tickfan.protocol.BinaryTicks;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.auth.TokenExtractor;
import io.tickfan.server.http.AuthenticatedRequest;
import io.tickfan.server.http.ClientErrorLog;
import io.tickfan.server.http.CorsHeaders;
import io.tickfan.server.http.HttpResponses;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Turns an HTTP request on the WebSocket path into a WebSocket session, or refuses it. The token is
 * verified first: a refused client gets 401 or 403 with a JSON reason and never a 101. Only then
 * is the handshake answered (selecting {@code tickfan.v1}, never echoing a token) and the router
 * replaced by the {@link WebSocketFrameHandler}.
 */
public final class WebSocketUpgrader {
    private static final String WEBSOCKET_VERSION = "13";
    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-1");
        }
    };

    private WebSocketUpgrader() {}

    /** Handles {@code request}, which the caller releases. */
    public static void upgrade(ChannelHandlerContext ctx, FullHttpRequest request, ServerContext context) {
        if (!request.method().equals(HttpMethod.GET)
                || !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            HttpResponses.sendErrorAndClose(
                    ctx, HttpResponseStatus.UPGRADE_REQUIRED, "upgrade_required", "expected a WebSocket upgrade");
            return;
        }
        final String subprotocol = chosenSubprotocol(request);
        if (subprotocol == null && request.headers().contains(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
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
                ctx, request, context, principal -> handshake(ctx, request, context, principal, subprotocol));
    }

    /**
     * The first of ours in the client's order of preference ({@code tickfan.v1.bin} or {@code
     * tickfan.v1}), as the handshaker selects it; null when none is offered.
     */
    static String chosenSubprotocol(FullHttpRequest request) {
        for (String line : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
            // Scanned in place (a split and a trim per entry were garbage on every upgrade).
            int start = 0;
            while (start <= line.length()) {
                int end = line.indexOf(',', start);
                if (end < 0) {
                    end = line.length();
                }
                int from = start;
                int to = end;
                while (from < to && line.charAt(from) <= ' ') {
                    from++;
                }
                while (to > from && line.charAt(to - 1) <= ' ') {
                    to--;
                }
                if (isEntry(line, from, to, BinaryTicks.SUBPROTOCOL)) {
                    return BinaryTicks.SUBPROTOCOL;
                }
                if (isEntry(line, from, to, TokenExtractor.SUBPROTOCOL)) {
                    return TokenExtractor.SUBPROTOCOL;
                }
                start = end + 1;
            }
        }
        return null;
    }

    private static boolean isEntry(String line, int from, int to, String entry) {
        return to - from == entry.length() && line.startsWith(entry, from);
    }

    /** @param subprotocol ours that the client offered first, or null when it offered none */
    private static void handshake(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            ServerContext context,
            Principal principal,
            String subprotocol) {
        if (!WEBSOCKET_VERSION.equals(request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))) {
            // 426 with the version we speak (RFC 6455 section 4.4).
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel())
                    .addListener(ChannelFutureListener.CLOSE);
            return;
        }
        final String key = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null || key.isBlank()) {
            HttpResponses.sendErrorAndClose(
                    ctx, HttpResponseStatus.BAD_REQUEST, "bad_request", "missing Sec-WebSocket-Key");
            return;
        }
        final WebSocketSession session = new WebSocketSession(
                context,
                principal,
                context.engine.dispatcher(ctx.channel().eventLoop()),
                BinaryTicks.SUBPROTOCOL.equals(subprotocol));
        // One WebSocket handler goes where the router was: the frame decoder that hands its frames to
        // the session (and checks text is UTF-8: the raw codec, unlike
        // WebSocketServerProtocolHandler, adds no check, and a handler of its own would cost every
        // connection a context). Frames out are bytes already (ticks from the engine, the rest from
        // ServerFrames): no encoder.
        final ChannelPipeline p = ctx.pipeline();
        // The 101 goes below the HTTP encoder, as ready-made bytes; then the HTTP handlers go. Bytes
        // the client sent after its request (frames, once it has the 101) reach the frame decoder:
        // the HTTP decoder hands what it holds to the next handler when it is removed.
        final ChannelHandlerContext http = p.context(HttpServerCodec.class);
        http.writeAndFlush(switchingProtocols(ctx, key, subprotocol))
                .addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
        if (p.get(HttpObjectAggregator.class) != null) {
            p.remove(HttpObjectAggregator.class);
        }
        if (p.get(CorsHeaders.NAME) != null) {
            p.remove(CorsHeaders.NAME);
        }
        // The session's handler answers every exception itself (a close code, or a quiet close),
        // so none reaches the log of client errors behind it.
        if (p.get(ClientErrorLog.NAME) != null) {
            p.remove(ClientErrorLog.NAME);
        }
        p.replace(ctx.handler(), "ws", new WebSocketFrameHandler(session, context.wsDecoderConfig));
        p.remove(http.handler());
    }

    /** The frame decoder's settings (immutable: a server's connections share one). */
    public static WebSocketDecoderConfig decoderConfig(int maxFrameBytes) {
        return WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(maxFrameBytes)
                .allowExtensions(false)
                .expectMaskedFrames(true)
                .allowMaskMismatch(false)
                // WebSocketFrameHandler sends the close frame: Netty sends none for a bad close frame.
                .closeOnProtocolViolation(false)
                .build();
    }

    private static final byte[] SWITCHING = ascii("HTTP/1.1 101 Switching Protocols\r\n"
            + "upgrade: websocket\r\n"
            + "connection: upgrade\r\n"
            + "sec-websocket-accept: ");
    private static final byte[] PROTOCOL = ascii("\r\nsec-websocket-protocol: ");
    private static final byte[] END = ascii("\r\n\r\n");
    private static final byte[] GUID = ascii(ACCEPT_GUID);

    /**
     * The 101 answer as bytes: the accept value for {@code key} (RFC 6455 section 4.2.2) and the
     * chosen subprotocol (none when the client offered none).
     */
    static ByteBuf switchingProtocols(ChannelHandlerContext ctx, String key, String subprotocol) {
        final byte[] accept = accept(key);
        final ByteBuf bytes = ctx.alloc().buffer(SWITCHING.length + accept.length + PROTOCOL.length + 16 + END.length);
        bytes.writeBytes(SWITCHING).writeBytes(accept);
        if (subprotocol != null) {
            bytes.writeBytes(PROTOCOL);
            bytes.writeCharSequence(subprotocol, StandardCharsets.US_ASCII);
        }
        return bytes.writeBytes(END);
    }

    /** Base64 of the SHA-1 of the key and RFC 6455's GUID. */
    static String acceptValue(String key) {
        return new String(accept(key), StandardCharsets.US_ASCII);
    }

    private static byte[] accept(String key) {
        final MessageDigest sha1 = SHA1.get();
        sha1.reset();
        sha1.update(key.trim().getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encode(sha1.digest(GUID));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
