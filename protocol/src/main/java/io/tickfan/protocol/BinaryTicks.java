package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The binary tick of subprotocol {@value #SUBPROTOCOL}: the same fields as the JSON tick, in a
 * fixed little-endian layout a browser reads with a {@code DataView} and Java with two reads per
 * field. Control messages (acks, errors, subscribe replies' metadata) stay JSON text frames; only
 * ticks travel as binary frames.
 *
 * <pre>
 *   0               1               2               3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------+---------------+---------------+---------------+
 *  |  kind = 0x01  |     flags     |  field mask   | symbol length |  0
 *  +---------------+---------------+---------------+---------------+
 *  |                 seq (int64, little-endian)                    |  4
 *  |                 ts: exchange time, epoch ns (0: none)         | 12
 *  |                 ingest: epoch ns                              | 20
 *  +---------------------------------------------------------------+
 *  |  symbol, ASCII, "symbol length" bytes (1..32)                 | 28
 *  +---------------------------------------------------------------+
 *  |  one int64 mantissa (8 implied decimals, see Decimals) per    |
 *  |  bit set in the field mask, in bit order:                     |
 *  |  bid(0) ask(1) bsz(2) asz(3) last(4) lsz(5)                   |
 *  +---------------------------------------------------------------+
 *
 *  flags: bit 0 snapshot, bit 1 reset, bit 2 conflated (the JSON "snap", "reset", "cf")
 * </pre>
 *
 * A tick is 28 + symbol + 8 per field bytes: 68 for a four-letter quote (bid, ask and sizes)
 * against 137 as JSON, and never more than {@link #MAX_BYTES}, so every frame has the
 * two-byte WebSocket header. Prices stay exact: the mantissa is the same fixed-point integer the
 * server holds, and {@link Decimals#toString(long)} turns it into the text the JSON would carry.
 */
public final class BinaryTicks {
    /** The {@code Sec-WebSocket-Protocol} entry that asks for binary ticks. */
    public static final String SUBPROTOCOL = "tickfan.v1.bin";

    /** The first byte of a binary tick. Other values are reserved for later message kinds. */
    public static final int KIND_TICK = 1;

    static final int FLAGS = 1;
    static final int FIELD_MASK = 2;
    static final int SYMBOL_LENGTH = 3;
    static final int SEQ = 4;
    static final int TS = 12;
    static final int INGEST = 20;
    static final int SYMBOL = 28;
    private static final int FIELDS = 6;

    /** Longest binary tick: every field and the longest symbol. */
    public static final int MAX_BYTES = SYMBOL + Symbols.MAX_LENGTH + FIELDS * 8;

    private static final VarHandle LONG_LE =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int FIN_BINARY = 0x82;
    private static final int FRAME_HEADER = 2;

    private BinaryTicks() {}

    /** Bytes of the tick's binary form. */
    public static int length(int symbolLength, int fieldMask) {
        return SYMBOL + symbolLength + 8 * Integer.bitCount(fieldMask & Tick.ALL_FIELDS);
    }

    /**
     * Appends the binary tick to {@code out}.
     *
     * @param symbol the symbol's ASCII bytes
     * @param flags {@link Tick#FLAG_SNAPSHOT} etc.; the tick's own flags are ignored
     */
    public static void write(ByteBuf out, byte[] symbol, Tick tick, int flags) {
        final int mask = tick.fieldMask & Tick.ALL_FIELDS;
        out.writeByte(KIND_TICK);
        out.writeByte(flags & (Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET | Tick.FLAG_CONFLATED));
        out.writeByte(mask);
        out.writeByte(symbol.length);
        out.writeLongLE(tick.seq);
        out.writeLongLE(tick.exchangeTimeNs);
        out.writeLongLE(tick.ingestTimeNs);
        out.writeBytes(symbol);
        if ((mask & Tick.BID) != 0) {
            out.writeLongLE(tick.bid);
        }
        if ((mask & Tick.ASK) != 0) {
            out.writeLongLE(tick.ask);
        }
        if ((mask & Tick.BID_SIZE) != 0) {
            out.writeLongLE(tick.bidSize);
        }
        if ((mask & Tick.ASK_SIZE) != 0) {
            out.writeLongLE(tick.askSize);
        }
        if ((mask & Tick.LAST) != 0) {
            out.writeLongLE(tick.last);
        }
        if ((mask & Tick.LAST_SIZE) != 0) {
            out.writeLongLE(tick.lastSize);
        }
    }

    /**
     * The tick as one complete, unmasked WebSocket binary frame in a new direct buffer from {@code
     * alloc}; the caller owns it.
     */
    public static ByteBuf webSocketFrame(ByteBufAllocator alloc, byte[] symbol, Tick tick, int flags) {
        final int length = length(symbol.length, tick.fieldMask);
        final ByteBuf frame = alloc.directBuffer(FRAME_HEADER + length);
        frame.writeByte(FIN_BINARY);
        frame.writeByte(length);
        write(frame, symbol, tick, flags);
        return frame;
    }

    /**
     * Reads one binary tick from {@code in}'s readable bytes (all of them) into {@code into}, its
     * flags and symbol included, and moves the reader index past it.
     *
     * @throws IllegalArgumentException when the bytes are not one well-formed binary tick
     */
    public static Tick read(ByteBuf in, Tick into) {
        final byte[] bytes = new byte[in.readableBytes()];
        in.readBytes(bytes);
        readFields(bytes, 0, bytes.length, into);
        into.symbol = new String(bytes, SYMBOL, bytes[SYMBOL_LENGTH], StandardCharsets.US_ASCII);
        return into;
    }

    /**
     * Reads every field of the binary tick in {@code b[offset, offset + length)} into {@code into}
     * except the symbol, whose bytes start at {@code offset + }{@link #symbolOffset()} and are
     * {@code b[offset + 3]} long: a reader that finds its subscription by those bytes needs no
     * {@code String} per tick.
     *
     * @throws IllegalArgumentException when the bytes are not one well-formed binary tick
     */
    public static void readFields(byte[] b, int offset, int length, Tick into) {
        if (length < SYMBOL + 1 || b[offset] != KIND_TICK) {
            throw new IllegalArgumentException("not a binary tick");
        }
        final int flags = b[offset + FLAGS] & 0xFF;
        final int mask = b[offset + FIELD_MASK] & 0xFF;
        final int symbolLength = b[offset + SYMBOL_LENGTH] & 0xFF;
        if ((mask & ~Tick.ALL_FIELDS) != 0
                || symbolLength == 0
                || symbolLength > Symbols.MAX_LENGTH
                || length != length(symbolLength, mask)) {
            throw new IllegalArgumentException("malformed binary tick: mask " + mask + ", symbol length " + symbolLength
                    + ", " + length + " bytes");
        }
        into.clear();
        into.flags = flags;
        into.fieldMask = mask;
        into.seq = longAt(b, offset + SEQ);
        into.exchangeTimeNs = longAt(b, offset + TS);
        into.ingestTimeNs = longAt(b, offset + INGEST);
        int p = offset + SYMBOL + symbolLength;
        if ((mask & Tick.BID) != 0) {
            into.bid = longAt(b, p);
            p += 8;
        }
        if ((mask & Tick.ASK) != 0) {
            into.ask = longAt(b, p);
            p += 8;
        }
        if ((mask & Tick.BID_SIZE) != 0) {
            into.bidSize = longAt(b, p);
            p += 8;
        }
        if ((mask & Tick.ASK_SIZE) != 0) {
            into.askSize = longAt(b, p);
            p += 8;
        }
        if ((mask & Tick.LAST) != 0) {
            into.last = longAt(b, p);
            p += 8;
        }
        if ((mask & Tick.LAST_SIZE) != 0) {
            into.lastSize = longAt(b, p);
        }
    }

    /** Where the symbol's bytes start in a binary tick. */
    public static int symbolOffset() {
        return SYMBOL;
    }

    private static long longAt(byte[] b, int i) {
        return (long) LONG_LE.get(b, i);
    }
}
