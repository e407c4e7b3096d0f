package io.tickfan.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;

/**
 * The frames a session sends outside tick batches (acks, errors, pings, pongs, close), written as
 * complete server-to-client frames (FIN, unmasked) in one buffer each. Ticks come ready-framed from
 * the engine, so with these no connection needs an encoder handler: one context and one object
 * fewer per idle WebSocket.
 */
final class ServerFrames {
    static final int TEXT = 0x1;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;

    /** RFC 6455 section 5.5: a control frame's payload is at most 125 bytes. */
    static final int MAX_CONTROL_PAYLOAD = 125;

    private ServerFrames() {}

    /** A text frame carrying {@code text} as UTF-8. */
    static ByteBuf text(ByteBufAllocator alloc, CharSequence text) {
        final int length = ByteBufUtil.utf8Bytes(text);
        final ByteBuf frame = alloc.buffer(headerBytes(length) + length);
        writeHeader(frame, TEXT, length);
        ByteBufUtil.reserveAndWriteUtf8(frame, text, length);
        return frame;
    }

    /**
     * A control frame ({@link #PING}, {@link #PONG}, {@link #CLOSE}) carrying the readable bytes of
     * {@code payload} (not released; null for none), at most {@link #MAX_CONTROL_PAYLOAD}.
     */
    static ByteBuf control(ByteBufAllocator alloc, int opcode, ByteBuf payload) {
        final int length = payload == null ? 0 : payload.readableBytes();
        if (length > MAX_CONTROL_PAYLOAD) {
            throw new IllegalArgumentException("control frame payload of " + length + " bytes");
        }
        final ByteBuf frame = alloc.buffer(2 + length);
        writeHeader(frame, opcode, length);
        if (length > 0) {
            frame.writeBytes(payload, payload.readerIndex(), length);
        }
        return frame;
    }

    /**
     * A close frame with {@code code} and {@code reason}, the reason cut to what fits a control frame
     * (at a character boundary: the client must get valid UTF-8).
     */
    static ByteBuf close(ByteBufAllocator alloc, int code, String reason) {
        String r = reason;
        while (ByteBufUtil.utf8Bytes(r) > MAX_CONTROL_PAYLOAD - 2) {
            r = r.substring(0, r.offsetByCodePoints(r.length(), -1));
        }
        final int length = 2 + ByteBufUtil.utf8Bytes(r);
        final ByteBuf frame = alloc.buffer(2 + length);
        writeHeader(frame, CLOSE, length);
        frame.writeShort(code);
        frame.writeCharSequence(r, StandardCharsets.UTF_8);
        return frame;
    }

    private static int headerBytes(int payloadLength) {
        return payloadLength < 126 ? 2 : payloadLength <= 0xFFFF ? 4 : 10;
    }

    private static void writeHeader(ByteBuf frame, int opcode, int payloadLength) {
        frame.writeByte(0x80 | opcode);
        if (payloadLength < 126) {
            frame.writeByte(payloadLength);
        } else if (payloadLength <= 0xFFFF) {
            frame.writeByte(126);
            frame.writeShort(payloadLength);
        } else {
            frame.writeByte(127);
            frame.writeLong(payloadLength);
        }
    }
}
