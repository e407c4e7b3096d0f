package io.tickfan.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.protocol.CloseCodes;
import java.nio.charset.StandardCharsets;

/**
 * Translates WebSocket frames into calls on the {@link WebSocketSession}. Protocol v1 is one JSON
 * text frame per message: binary frames close with 1003, fragmented messages with 4003 and a
 * text frame that is not valid UTF-8 with 1007 (checked here, on the whole message: no handler of
 * its own per connection). Oversized frames (1009), unmasked frames, stray continuation frames and
 * close frames with a code RFC 6455 does not allow or a reason that is not UTF-8 (1002, 1007) fail
 * in the decoder and arrive as exceptions, answered here with their close code.
 */
final class WebSocketFrameHandler extends ChannelInboundHandlerAdapter {
    private static final int MAX_CLOSE_CODE = 4999;

    private final WebSocketSession session;

    WebSocketFrameHandler(WebSocketSession session) {
        this.session = session;
    }

    WebSocketSession session() {
        return session;
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
        session.onRead();
        try {
            if (frame instanceof TextWebSocketFrame) {
                final ByteBuf text = frame.content();
                if (!frame.isFinalFragment()) {
                    session.close(CloseCodes.FRAGMENTED, "fragmented messages are not supported");
                } else if (ByteBufUtil.isText(text, StandardCharsets.UTF_8)) {
                    session.onText(text);
                } else {
                    session.close(CloseCodes.INVALID_UTF8, WebSocketCloseStatus.INVALID_PAYLOAD_DATA.reasonText());
                }
            } else if (frame instanceof PingWebSocketFrame) {
                ctx.writeAndFlush(ServerFrames.control(ctx.alloc(), ServerFrames.PONG, frame.content()));
            } else if (frame instanceof CloseWebSocketFrame close) {
                if (close.statusCode() > MAX_CLOSE_CODE) {
                    // Netty's decoder lets any code from 3000 up pass; RFC 6455 defines none past 4999.
                    session.close(CloseCodes.PROTOCOL_ERROR, "invalid close code");
                } else {
                    // Echo the client's close and end the connection once it is written.
                    ctx.writeAndFlush(ServerFrames.control(ctx.alloc(), ServerFrames.CLOSE, close.content()))
                            .addListener(ChannelFutureListener.CLOSE);
                }
            } else if (frame instanceof BinaryWebSocketFrame) {
                session.close(CloseCodes.UNSUPPORTED_DATA, "binary frames are not supported");
            } else if (frame instanceof PongWebSocketFrame) {
                session.onPong(frame.content());
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
        // A frame that breaks the protocol (unmasked, oversized, invalid UTF-8, a close frame with a
        // code RFC 6455 does not allow...): answer with its close code, then close. The decoders
        // are told not to, because Netty's sends no close frame at all for a bad close frame. The
        // rest goes to the client-error log, which the upgrade took out of this pipeline: quiet for
        // a reset (how most clients leave), one rate-limited line for anything unexpected.
        if (cause instanceof CorruptedWebSocketFrameException corrupted) {
            if (ctx.channel().isActive()) {
                final WebSocketCloseStatus status = corrupted.closeStatus();
                session.close(status.code(), status.reasonText());
            } else {
                ctx.close();
            }
        } else {
            session.clientErrors().close(ctx, cause);
        }
    }
}
