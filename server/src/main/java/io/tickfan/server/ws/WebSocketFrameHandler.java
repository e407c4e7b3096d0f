package io.tickfan.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.protocol.CloseCodes;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An upgraded connection's one handler: Netty's frame decoder, whose frames it translates into
 * calls on the {@link WebSocketSession} as they are decoded instead of passing them on (a handler
 * behind the decoder would cost every idle connection a pipeline context and an object, 88 bytes).
 * Protocol v1 is one JSON text frame per message: binary frames close with 1003, fragmented
 * messages with 4003 and a text frame that is not valid UTF-8 with 1007 (checked here, on the whole
 * message). Oversized frames (1009), unmasked frames, stray continuation frames and close frames
 * with a code RFC 6455 does not allow or a reason that is not UTF-8 (1002, 1007) fail in the
 * decoding and arrive as exceptions, answered here with their close code.
 */
final class WebSocketFrameHandler extends WebSocket13FrameDecoder {
    private static final int MAX_CLOSE_CODE = 4999;

    private final WebSocketSession session;

    WebSocketFrameHandler(WebSocketSession session, WebSocketDecoderConfig config) {
        super(config);
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
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        super.decode(ctx, in, out);
        while (!out.isEmpty()) {
            // Out of the list before it is handled: the list's frames would otherwise be passed on,
            // and released once more, should handling throw.
            onFrame(ctx, (WebSocketFrame) out.remove(0));
        }
    }

    private void onFrame(ChannelHandlerContext ctx, WebSocketFrame frame) {
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
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        super.channelInactive(ctx); // frames still buffered are decoded and handled first
        session.onClosed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Decoding and handling run inside the decoder, so what they throw arrives here, a defect
        // of the handling wrapped in a DecoderException (the log looks through it).
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
