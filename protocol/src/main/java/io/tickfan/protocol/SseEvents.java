package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Server-Sent Events framing of ticks. A tick event is built once from the tick's JSON and shared
 * by every SSE subscriber, so its {@code id} cannot be per stream: it is the engine's position
 * after the tick. With one position space (standalone, or one Redis stream) that is {@code
 * <epoch>-<position>}, in decimal, and the position orders all ticks of all symbols. With several
 * Redis shards, each shard has its own positions, and the order between shards differs from pod
 * to pod, so the id is the vector of every shard's position, in shard order, in base 36:
 *
 * <pre>
 * id: 1lbr068k36c8o-1042                                   one position space
 * id: 1lbr068k36c8o-1q2w3e4r5t6y7.1q2w3e4r5t6z0.0          three shards: shard 0 . shard 1 . shard 2
 * event: tick
 * data: {"type":"tick","sym":"AAPL","seq":42,...}
 *
 * </pre>
 *
 * A stream that reconnects with {@code Last-Event-ID} gets, for each of its symbols, every tick
 * after the position of the symbol's shard.
 *
 * After a snapshot or replay the server sends an id-only record ({@code id: ...} and a blank line):
 * browsers update their last event id from it without dispatching an event.
 */
public final class SseEvents {
    private static final byte[] ID = TickEncoder.ascii("id: ");
    private static final byte[] EVENT_TICK_DATA = TickEncoder.ascii("\nevent: tick\ndata: ");
    private static final byte[] END = TickEncoder.ascii("\n\n");
    private static final byte[] BASE36 = TickEncoder.ascii("0123456789abcdefghijklmnopqrstuvwxyz");

    /** Most shards an id holds: bounds the id's length (13 base-36 digits and a dot each). */
    public static final int MAX_POSITION_SHARDS = 32;

    /** A comment line that keeps proxies from timing the stream out. */
    public static final ByteBuf HEARTBEAT = Unpooled.unreleasableBuffer(
            Unpooled.copiedBuffer(TickEncoder.ascii(": hb\n\n")).asReadOnly());

    private SseEvents() {}

    /**
     * A tick event around the {@code length} bytes of JSON at {@code index} of {@code source} (not
     * consumed). The caller owns the returned buffer.
     *
     * @param epoch the engine epoch's ASCII bytes
     */
    public static ByteBuf tickEvent(
            ByteBufAllocator alloc, byte[] epoch, long position, ByteBuf source, int index, int length) {
        final byte[] scratch = AsciiNumbers.scratch();
        int p = AsciiNumbers.put(scratch, 0, ID);
        p = AsciiNumbers.put(scratch, p, epoch);
        scratch[p++] = '-';
        p = AsciiNumbers.putLong(scratch, p, position);
        return event(alloc, scratch, p, source, index, length);
    }

    /** The head in {@code scratch[0, headEnd)}, then {@code event: tick}, the JSON and the blank line. */
    private static ByteBuf event(
            ByteBufAllocator alloc, byte[] scratch, int headEnd, ByteBuf source, int index, int length) {
        final int p = AsciiNumbers.put(scratch, headEnd, EVENT_TICK_DATA);
        final ByteBuf out = alloc.directBuffer(p + length + END.length);
        out.writeBytes(scratch, 0, p);
        out.writeBytes(source, index, length);
        out.writeBytes(END);
        return out;
    }

    /**
     * A tick event whose id is the position vector {@code positions} (one element: the decimal form
     * of {@link #tickEvent(ByteBufAllocator, byte[], long, ByteBuf, int, int)}). The caller owns the
     * returned buffer.
     */
    public static ByteBuf tickEvent(
            ByteBufAllocator alloc, byte[] epoch, long[] positions, ByteBuf source, int index, int length) {
        final byte[] scratch = AsciiNumbers.scratch();
        int p = AsciiNumbers.put(scratch, 0, ID);
        return event(alloc, scratch, putId(scratch, p, epoch, positions), source, index, length);
    }

    /**
     * A tick event with the same id as the tick event {@code like} (not consumed) around other JSON:
     * a re-encoding of the same tick (conflated flag) keeps its resume point. The caller owns it.
     */
    public static ByteBuf tickEventLike(ByteBufAllocator alloc, ByteBuf like, ByteBuf source, int index, int length) {
        final int idEnd = idEnd(like);
        final ByteBuf out =
                alloc.directBuffer(idEnd - like.readerIndex() + EVENT_TICK_DATA.length + length + END.length);
        out.writeBytes(like, like.readerIndex(), idEnd - like.readerIndex());
        out.writeBytes(EVENT_TICK_DATA);
        out.writeBytes(source, index, length);
        out.writeBytes(END);
        return out;
    }

    /** Appends the id of the tick event {@code event} (not consumed): {@code <epoch>-<positions>}. */
    public static void copyId(ByteBuf event, ByteBuf out) {
        final int start = event.readerIndex() + ID.length;
        out.writeBytes(event, start, idEnd(event) - start);
    }

    private static int idEnd(ByteBuf event) {
        final int end = event.indexOf(event.readerIndex() + ID.length, event.writerIndex(), (byte) '\n');
        if (end < 0) {
            throw new IllegalArgumentException("not a tick event");
        }
        return end;
    }

    /** Appends an id-only record, {@code id: <epoch>-<positions>} and a blank line. */
    public static void writeIdOnly(ByteBuf out, byte[] epoch, long[] positions) {
        out.writeBytes(ID);
        writeId(out, epoch, positions);
        out.writeBytes(END);
    }

    /** Appends {@code <epoch>-<positions>}, the id alone (a poll answer's {@code position}). */
    public static void writeId(ByteBuf out, byte[] epoch, long[] positions) {
        final byte[] scratch = AsciiNumbers.scratch();
        out.writeBytes(scratch, 0, putId(scratch, 0, epoch, positions));
    }

    private static int putId(byte[] dst, int p, byte[] epoch, long[] positions) {
        if (positions.length > MAX_POSITION_SHARDS) {
            throw new IllegalArgumentException("more than " + MAX_POSITION_SHARDS + " positions");
        }
        p = AsciiNumbers.put(dst, p, epoch);
        dst[p++] = '-';
        if (positions.length == 1) {
            return AsciiNumbers.putLong(dst, p, positions[0]);
        }
        for (int i = 0; i < positions.length; i++) {
            if (i > 0) {
                dst[p++] = '.';
            }
            p = putBase36(dst, p, positions[i]);
        }
        return p;
    }

    /** The non-negative {@code value} in base 36, lower case: at most 13 digits. */
    private static int putBase36(byte[] dst, int p, long value) {
        // Right to left into the 13-byte window at p, one division per digit, then moved to p.
        int i = p + 13;
        do {
            final long q = value / 36;
            dst[--i] = BASE36[(int) (value - q * 36)];
            value = q;
        } while (value != 0);
        final int digits = p + 13 - i;
        System.arraycopy(dst, i, dst, p, digits);
        return p + digits;
    }

    /** Appends {@code retry: <ms>} and a blank line: the reconnect delay hint for EventSource. */
    public static void writeRetry(ByteBuf out, long retryMs) {
        out.writeBytes(TickEncoder.ascii("retry: "));
        AsciiNumbers.writeLong(out, retryMs);
        out.writeBytes(END);
    }

    /**
     * Parses a {@code Last-Event-ID} value.
     *
     * @return the position, or -1 if the id is not of this server's form or from another epoch
     */
    public static long parsePosition(String lastEventId, String epoch) {
        if (lastEventId == null) {
            return -1;
        }
        final int dash = lastEventId.lastIndexOf('-');
        if (dash <= 0 || !lastEventId.regionMatches(0, epoch, 0, dash) || dash != epoch.length()) {
            return -1;
        }
        long position = 0;
        for (int i = dash + 1; i < lastEventId.length(); i++) {
            final char c = lastEventId.charAt(i);
            if (c < '0' || c > '9' || position > (Long.MAX_VALUE - 9) / 10) {
                return -1;
            }
            position = position * 10 + (c - '0');
        }
        return dash + 1 < lastEventId.length() ? position : -1;
    }

    /**
     * Parses a {@code Last-Event-ID} value of a server with {@code count} position spaces.
     *
     * @return one position per space, or null if the id is not of that form or from another epoch
     */
    public static long[] parsePositions(String lastEventId, String epoch, int count) {
        if (count == 1) {
            final long position = parsePosition(lastEventId, epoch);
            return position < 0 ? null : new long[] {position};
        }
        if (lastEventId == null
                || count < 1
                || count > MAX_POSITION_SHARDS
                || lastEventId.length() <= epoch.length() + 1
                || lastEventId.charAt(epoch.length()) != '-'
                || !lastEventId.startsWith(epoch)) {
            return null;
        }
        final long[] positions = new long[count];
        int n = 0;
        int i = epoch.length() + 1;
        while (n < count) {
            long value = 0;
            final int start = i;
            for (; i < lastEventId.length() && lastEventId.charAt(i) != '.'; i++) {
                final int digit = base36Digit(lastEventId.charAt(i));
                if (digit < 0 || value > (Long.MAX_VALUE - digit) / 36) {
                    return null;
                }
                value = value * 36 + digit;
            }
            if (i == start) {
                return null;
            }
            positions[n++] = value;
            if (i == lastEventId.length()) {
                break;
            }
            i++; // the dot
        }
        return n == count && i == lastEventId.length() ? positions : null;
    }

    private static int base36Digit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        return c >= 'a' && c <= 'z' ? c - 'a' + 10 : -1;
    }
}
