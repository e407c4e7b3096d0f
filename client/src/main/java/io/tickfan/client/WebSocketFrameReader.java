package io.tickfan.client;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.protocol.CloseCodes;
import io.tickfan.protocol.EpochNanos;

/**
 * Reads server-to-client WebSocket frames straight from the socket's buffers, in place of Netty's
 * frame decoder once the handshake is done: each text message goes to {@link
 * TickfanClient#onText(ByteBuf, int, int, long)} as a range of the buffer that was read, with no
 * frame object, no payload copy and no pipeline hop per message. The receive time is read once per
 * socket read and stamped on every message it completes.
 *
 * <pre>
 *   0               1               2               3
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| payload len |   extended length (16 or 64)  |
 *  |I|S|S|S|       |A|   (7 bits)  |   when len is 126 or 127      |
 *  |N|V|V|V|       |S|             |                               |
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |  payload ... (a server's frames are never masked)             |
 * </pre>
 *
 * <p>Ping and close frames go up the pipeline as Netty frames (rare); fragmented text messages are
 * assembled. A masked frame, reserved bits, or a payload over the limit close the connection with
 * 1002 or 1009. Netty's decoder (a frame object, a copied payload and a pipeline hop per message)
 * took about a fifth of the loadgen's receive CPU in a JFR profile; this costs a header parse.
 */
final class WebSocketFrameReader extends ChannelInboundHandlerAdapter {
    private static final int OP_CONTINUATION = 0x0;
    private static final int OP_TEXT = 0x1;
    private static final int OP_BINARY = 0x2;
    private static final int OP_CLOSE = 0x8;
    private static final int OP_PING = 0x9;
    private static final int OP_PONG = 0xA;

    private final TickfanClient client;
    private final int maxPayloadBytes;
    /** Bytes of a frame that straddles reads, or null. */
    private ByteBuf partial;
    /** A fragmented message being assembled, or null. */
    private ByteBuf fragments;

    private int fragmentsOpcode;
    private boolean closing;

    WebSocketFrameReader(TickfanClient client, int maxPayloadBytes) {
        this.client = client;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (closing) {
            in.release();
            return;
        }
        final long receivedNs = EpochNanos.now();
        ByteBuf buf = in;
        if (partial != null) {
            partial.writeBytes(in);
            in.release();
            buf = partial;
        }
        try {
            readFrames(ctx, buf, receivedNs);
        } finally {
            if (closing || !buf.isReadable()) {
                buf.release();
                partial = null;
            } else if (buf == partial) {
                partial.discardSomeReadBytes();
            } else {
                partial = ctx.alloc().heapBuffer(Math.max(buf.readableBytes(), 4096));
                partial.writeBytes(buf);
                buf.release();
            }
        }
    }

    private void readFrames(ChannelHandlerContext ctx, ByteBuf buf, long receivedNs) {
        final int max = maxPayloadBytes;
        int r = buf.readerIndex();
        final int w = buf.writerIndex();
        while (!closing && w - r >= 2) {
            final int b0 = buf.getByte(r) & 0xFF;
            final int b1 = buf.getByte(r + 1) & 0xFF;
            if ((b1 & 0x80) != 0 || (b0 & 0x70) != 0) {
                fail(ctx, CloseCodes.PROTOCOL_ERROR, "masked frame or reserved bits from the server");
                return;
            }
            final int len7 = b1 & 0x7F;
            final int header;
            final long length;
            if (len7 < 126) {
                header = 2;
                length = len7;
            } else if (len7 == 126) {
                if (w - r < 4) {
                    break;
                }
                header = 4;
                length = buf.getUnsignedShort(r + 2);
            } else {
                if (w - r < 10) {
                    break;
                }
                header = 10;
                length = buf.getLong(r + 2);
            }
            if (length < 0 || length > max) {
                fail(ctx, CloseCodes.MESSAGE_TOO_BIG, "frame over " + max + " bytes");
                return;
            }
            if (w - r - header < length) {
                break;
            }
            final int payload = r + header;
            r = payload + (int) length;
            buf.readerIndex(r);
            onFrame(ctx, b0, buf, payload, (int) length, receivedNs);
        }
    }

    private void onFrame(ChannelHandlerContext ctx, int b0, ByteBuf buf, int payload, int length, long receivedNs) {
        final boolean fin = (b0 & 0x80) != 0;
        final int opcode = b0 & 0x0F;
        if (opcode >= OP_CLOSE && (!fin || length > 125)) {
            fail(ctx, CloseCodes.PROTOCOL_ERROR, "fragmented or long control frame");
            return;
        }
        switch (opcode) {
            case OP_TEXT, OP_BINARY -> {
                if (fragments != null) {
                    fail(ctx, CloseCodes.PROTOCOL_ERROR, "new message inside a fragmented one");
                } else if (!fin) {
                    fragmentsOpcode = opcode;
                    fragments = ctx.alloc().heapBuffer(Math.max(2 * length, 256));
                    fragments.writeBytes(buf, payload, length);
                } else if (opcode == OP_TEXT) {
                    client.onText(buf, payload, length, receivedNs);
                } else {
                    client.onBinary(buf, payload, length, receivedNs);
                }
            }
            case OP_CONTINUATION -> {
                if (fragments == null) {
                    fail(ctx, CloseCodes.PROTOCOL_ERROR, "continuation without a first frame");
                } else if (fragments.readableBytes() + (long) length > maxPayloadBytes) {
                    fail(ctx, CloseCodes.MESSAGE_TOO_BIG, "message over " + maxPayloadBytes + " bytes");
                } else {
                    fragments.writeBytes(buf, payload, length);
                    if (fin) {
                        final ByteBuf message = fragments;
                        fragments = null;
                        try {
                            if (fragmentsOpcode == OP_TEXT) {
                                client.onText(message, message.readerIndex(), message.readableBytes(), receivedNs);
                            } else {
                                client.onBinary(message, message.readerIndex(), message.readableBytes(), receivedNs);
                            }
                        } finally {
                            message.release();
                        }
                    }
                }
            }
            case OP_PING -> ctx.fireChannelRead(new PingWebSocketFrame(buf.retainedSlice(payload, length)));
            case OP_CLOSE -> {
                closing = true;
                ctx.fireChannelRead(new CloseWebSocketFrame(true, 0, buf.retainedSlice(payload, length)));
            }
            case OP_PONG -> {}
            default -> fail(ctx, CloseCodes.PROTOCOL_ERROR, "unknown opcode " + opcode);
        }
    }

    private void fail(ChannelHandlerContext ctx, int code, String reason) {
        closing = true;
        // Through the channel, so the frame passes the WebSocket encoder that sits after this handler.
        ctx.channel().writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        ReferenceCountUtil.release(partial);
        ReferenceCountUtil.release(fragments);
        partial = null;
        fragments = null;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        handlerRemoved(ctx);
        ctx.fireChannelInactive();
    }
}
