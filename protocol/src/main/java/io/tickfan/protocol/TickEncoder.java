package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;

/**
 * Encodes a tick to its JSON text and to a complete, unmasked WebSocket text frame, writing ASCII
 * straight into pooled buffers: no intermediate strings, nothing allocated in steady state.
 *
 * <pre>
 * {"type":"tick","sym":"AAPL","seq":42,"ts":1732356000123456789,"ingest":1732356000123500000,
 *  "bid":189.12,"ask":189.14,"bsz":300,"asz":200,"last":189.13,"lsz":100,"snap":true}
 * </pre>
 *
 * <p>The WebSocket frame is built around the JSON in one buffer, header included, so that Netty's
 * frame encoder (which copies payloads under 1 KiB per channel) is never involved:
 *
 * <pre>
 *   0               1               2               3
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |F|R|R|R| opcode|M| payload len |  extended length (126 form)  |
 *  |1|0|0|0|  0x1  |0|  &lt;126 / 126 |  present when len &gt;= 126     |
 *  +-+-+-+-+-------+-+-------------+-------------------------------+
 *  |                  JSON payload ...                             |
 * </pre>
 *
 * The JSON is written at offset 4 and the header right-aligned in front of it, so the short form
 * starts at offset 2 and the 16-bit form at 0.
 */
public final class TickEncoder {
    /** Room in front of the JSON for the largest frame header a tick needs. */
    public static final int FRAME_HEADROOM = 4;

    /** Upper bound of one encoded tick: fixed keys plus every field at its longest. */
    public static final int MAX_JSON_BYTES = 384;

    private static final byte[] TYPE_SYM = ascii("{\"type\":\"tick\",\"sym\":\"");
    private static final byte[] SEQ = ascii("\",\"seq\":");
    private static final byte[] TS = ascii(",\"ts\":");
    private static final byte[] INGEST = ascii(",\"ingest\":");
    private static final byte[] BID = ascii(",\"bid\":");
    private static final byte[] ASK = ascii(",\"ask\":");
    private static final byte[] BID_SIZE = ascii(",\"bsz\":");
    private static final byte[] ASK_SIZE = ascii(",\"asz\":");
    private static final byte[] LAST = ascii(",\"last\":");
    private static final byte[] LAST_SIZE = ascii(",\"lsz\":");
    private static final byte[] SNAP = ascii(",\"snap\":true");
    private static final byte[] RESET = ascii(",\"reset\":true");
    private static final byte[] CONFLATED = ascii(",\"cf\":true");

    private TickEncoder() {}

    /**
     * Appends the tick's JSON to {@code out}.
     *
     * @param symbol the symbol's ASCII bytes (cached by the caller so no string is encoded per tick)
     * @param flags {@link Tick#FLAG_SNAPSHOT} etc.; the tick's own flags are ignored
     */
    public static void writeJson(ByteBuf out, byte[] symbol, Tick tick, int flags) {
        final byte[] scratch = AsciiNumbers.scratch();
        out.writeBytes(scratch, 0, putJson(scratch, 0, symbol, tick, flags));
    }

    /**
     * Writes the tick's JSON into {@code dst} at {@code p} (room for {@link #MAX_JSON_BYTES}
     * needed); returns the index after it. Plain array stores: this is the encode's hot loop.
     */
    static int putJson(byte[] dst, int p, byte[] symbol, Tick tick, int flags) {
        p = AsciiNumbers.put(dst, p, TYPE_SYM);
        p = AsciiNumbers.put(dst, p, symbol);
        p = AsciiNumbers.put(dst, p, SEQ);
        p = AsciiNumbers.putLong(dst, p, tick.seq);
        if (tick.exchangeTimeNs != 0) {
            // A tick published without ts has none: 0 would read as a time (1970).
            p = AsciiNumbers.put(dst, p, TS);
            p = AsciiNumbers.putLong(dst, p, tick.exchangeTimeNs);
        }
        p = AsciiNumbers.put(dst, p, INGEST);
        p = AsciiNumbers.putLong(dst, p, tick.ingestTimeNs);
        final int mask = tick.fieldMask;
        if ((mask & Tick.BID) != 0) {
            p = AsciiNumbers.put(dst, p, BID);
            p = AsciiNumbers.putDecimal(dst, p, tick.bid);
        }
        if ((mask & Tick.ASK) != 0) {
            p = AsciiNumbers.put(dst, p, ASK);
            p = AsciiNumbers.putDecimal(dst, p, tick.ask);
        }
        if ((mask & Tick.BID_SIZE) != 0) {
            p = AsciiNumbers.put(dst, p, BID_SIZE);
            p = AsciiNumbers.putDecimal(dst, p, tick.bidSize);
        }
        if ((mask & Tick.ASK_SIZE) != 0) {
            p = AsciiNumbers.put(dst, p, ASK_SIZE);
            p = AsciiNumbers.putDecimal(dst, p, tick.askSize);
        }
        if ((mask & Tick.LAST) != 0) {
            p = AsciiNumbers.put(dst, p, LAST);
            p = AsciiNumbers.putDecimal(dst, p, tick.last);
        }
        if ((mask & Tick.LAST_SIZE) != 0) {
            p = AsciiNumbers.put(dst, p, LAST_SIZE);
            p = AsciiNumbers.putDecimal(dst, p, tick.lastSize);
        }
        if ((flags & Tick.FLAG_SNAPSHOT) != 0) {
            p = AsciiNumbers.put(dst, p, SNAP);
        }
        if ((flags & Tick.FLAG_RESET) != 0) {
            p = AsciiNumbers.put(dst, p, RESET);
        }
        if ((flags & Tick.FLAG_CONFLATED) != 0) {
            p = AsciiNumbers.put(dst, p, CONFLATED);
        }
        dst[p++] = '}';
        return p;
    }

    /**
     * Encodes the tick as a complete WebSocket text frame in a new buffer from {@code alloc}. The
     * caller owns the returned buffer.
     */
    public static ByteBuf webSocketFrame(ByteBufAllocator alloc, byte[] symbol, Tick tick, int flags) {
        final byte[] scratch = AsciiNumbers.scratch();
        final int length = putJson(scratch, 0, symbol, tick, flags);
        final ByteBuf frame = alloc.directBuffer(FRAME_HEADROOM + length);
        frame.writerIndex(FRAME_HEADROOM);
        frame.writeBytes(scratch, 0, length);
        return WebSocketFrames.closeTextFrame(frame, FRAME_HEADROOM);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
