package io.tickfan.client;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.protocol.EpochNanos;
import java.io.IOException;

/**
 * Translates one connection's events into calls on its {@link TickfanClient}: sends the upgrade on
 * connect, turns a non-101 answer into a rejection (with its {@code Retry-After}), then hands each
 * text frame over with the time it was read.
 */
final class ClientHandler extends ChannelInboundHandlerAdapter {
    private final TickfanClient client;
    private final WebSocketClientHandshaker handshaker;
    private int closeCode = -1;
    private String closeReason;
    private boolean opened;
    /** The server answered the upgrade (101 or a refusal). */
    private boolean answered;

    private Throwable failure;

    ClientHandler(TickfanClient client, WebSocketClientHandshaker handshaker) {
        this.client = client;
        this.handshaker = handshaker;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        handshaker.handshake(ctx.channel());
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!handshaker.isHandshakeComplete()) {
                if (msg instanceof FullHttpResponse response) {
                    onHandshakeResponse(ctx, response);
                }
                return;
            }
            if (msg instanceof TextWebSocketFrame frame) {
                client.onText(frame.content(), EpochNanos.now());
            } else if (msg instanceof PingWebSocketFrame ping) {
                ctx.writeAndFlush(new PongWebSocketFrame(ping.content().retain()));
            } else if (msg instanceof CloseWebSocketFrame close) {
                closeCode = close.statusCode();
                closeReason = close.reasonText();
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHandshakeResponse(ChannelHandlerContext ctx, FullHttpResponse response) {
        answered = true;
        if (response.status().equals(HttpResponseStatus.SWITCHING_PROTOCOLS)) {
            try {
                handshaker.finishHandshake(ctx.channel(), response);
            } catch (WebSocketHandshakeException e) {
                client.onHandshakeFailed(e);
                ctx.close();
                return;
            }
            // Netty's frame decoder makes an object and copies the payload per frame; ours reads in place.
            ctx.pipeline().replace("ws-decoder", "ws-reader", client.newFrameReader());
            opened = true;
            client.onOpen(ctx.channel());
            return;
        }
        final long retryAfterMs = RetryHints.retryAfterMs(
                response.headers().get(HttpHeaderNames.RETRY_AFTER), System.currentTimeMillis());
        client.onRejected(response.status().code(), retryAfterMs);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!answered) {
            // Connected, but closed or reset before any answer to the upgrade: a failed attempt.
            client.onHandshakeFailed(
                    failure instanceof Exception e
                            ? e
                            : new IOException("connection closed before the upgrade answer"));
        }
        client.onInactive(opened, closeCode, closeReason);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A reset peer or a corrupt frame ends this connection only; the client decides whether to reconnect.
        if (failure == null) {
            failure = cause;
        }
        ctx.close();
    }
}
