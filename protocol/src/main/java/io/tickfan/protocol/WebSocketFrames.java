package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;

/** Builds server-to-client (unmasked) WebSocket frame headers in place, in front of a payload. */
public final class WebSocketFrames {
    private static final int FIN_TEXT = 0x81;

    private WebSocketFrames() {}

    /**
     * Writes a text-frame header into the {@code headroom} (at least 4, or 10 for payloads of 64 KiB
     * and more) bytes in front of the payload that fills {@code frame} from {@code headroom} to its
     * writer index, and moves the reader index to the header's first byte.
     *
     * @return {@code frame}, now holding one complete frame
     */
    public static ByteBuf closeTextFrame(ByteBuf frame, int headroom) {
        final int payloadLength = frame.writerIndex() - headroom;
        final int start;
        if (payloadLength < 126) {
            start = headroom - 2;
            frame.setByte(start + 1, payloadLength);
        } else if (payloadLength <= 0xFFFF) {
            start = headroom - 4;
            frame.setByte(start + 1, 126);
            frame.setShort(start + 2, payloadLength);
        } else {
            start = headroom - 10;
            frame.setByte(start + 1, 127);
            frame.setLong(start + 2, payloadLength);
        }
        if (start < 0) {
            throw new IllegalArgumentException("headroom " + headroom + " too small for " + payloadLength + " bytes");
        }
        frame.setByte(start, FIN_TEXT);
        frame.readerIndex(start);
        return frame;
    }
}
