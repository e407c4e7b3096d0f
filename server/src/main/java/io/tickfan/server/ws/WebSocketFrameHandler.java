package io.tickfan.server.ws;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.protocol.CloseCodes;
import java.util.concurrent.TimeUnit;

/**
 * Translates WebSocket frames into calls on the {@link WebSocketSession}. Protocol v1 is one JSON
 * text frame per message: binary frames close with 1003 and fragmented messages with 4003.
 * Oversized frames (1009), invalid UTF-8 (1007, by the Utf8FrameValidator in front), unmasked
 * frames and stray continuation frames (1002) are closed before they get here.
 */
final class WebSocketFrameHandler extends ChannelInboundHandlerAdapter {
    private final WebSocketSession session;
    private final WebSocketServerHandshaker handshaker;
    private final long idleTimeoutNs;
    private long lastReadNs = System.nanoTime();

    WebSocketFrameHandler(WebSocketSession session, WebSocketServerHandshaker handshaker, long idleTimeoutMs) {
        this.session = session;
        this.handshaker = handshaker;
        this.idleTimeoutNs = TimeUnit.MILLISECONDS.toNanos(idleTimeoutMs);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            // Silent for a ping interval: ping; silent for the idle timeout (no pong either): close.
            if (System.nanoTime() - lastReadNs >= idleTimeoutNs) {
                session.close(CloseCodes.GOING_AWAY, "idle timeout");
            } else {
                ctx.writeAndFlush(new PingWebSocketFrame());
            }
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        session.attach(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof WebSocketFrame frame)) {
            ctx.fireChannelRead(msg);
            return;
        }
        lastReadNs = System.nanoTime();
        try {
            if (frame instanceof TextWebSocketFrame) {
                if (frame.isFinalFragment()) {
                    session.onText(frame.content());
                } else {
                    session.close(CloseCodes.FRAGMENTED, "fragmented messages are not supported");
                }
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
            } else if (frame instanceof CloseWebSocketFrame close) {
                handshaker.close(ctx.channel(), close.retain());
            } else if (frame instanceof BinaryWebSocketFrame) {
                session.close(CloseCodes.UNSUPPORTED_DATA, "binary frames are not supported");
            } else if (frame instanceof PongWebSocketFrame) {
                session.onPong();
            } else {
                ctx.close();
            }
        } finally {
            ReferenceCountUtil.release(frame);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        session.onWritabilityChanged();
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        session.onClosed();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Netty's decoder has already sent the close code for a corrupted frame; a reset peer needs none.
        // Either way this is the client's problem: no stack trace, and nobody else is affected.
        ctx.close();
    }
}
