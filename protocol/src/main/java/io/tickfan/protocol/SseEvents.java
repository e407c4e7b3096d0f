package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

/**
 * Server-Sent Events framing of ticks. A tick event is built once from the tick's JSON and shared
 * by every SSE subscriber, so its {@code id} cannot be per stream: it is the engine's position
 * after the tick, {@code <epoch>-<position>}, where the position is the sequencer's global count
 * (it orders all ticks of all symbols). A stream that reconnects with {@code Last-Event-ID} gets,
 * for each of its symbols, every tick after that position.
 *
 * <pre>
 * id: 1lbr068k36c8o-1042
 * event: tick
 * data: {"type":"tick","sym":"AAPL","seq":42,...}
 *
 * </pre>
 *
 * After a snapshot or replay the server sends an id-only record ({@code id: ...} and a blank line):
 * browsers update their last event id from it without dispatching an event.
 */
public final class SseEvents {
    private static final byte[] ID = TickEncoder.ascii("id: ");
    private static final byte[] EVENT_TICK_DATA = TickEncoder.ascii("\nevent: tick\ndata: ");
    private static final byte[] END = TickEncoder.ascii("\n\n");

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
        p = AsciiNumbers.put(scratch, p, EVENT_TICK_DATA);
        final ByteBuf out = alloc.directBuffer(p + length + END.length);
        out.writeBytes(scratch, 0, p);
        out.writeBytes(source, index, length);
        out.writeBytes(END);
        return out;
    }

    /** Appends an id-only record: {@code id: <epoch>-<position>} and a blank line. */
    public static void writeIdOnly(ByteBuf out, byte[] epoch, long position) {
        writeId(out, epoch, position);
        out.writeBytes(END);
    }

    /** Appends {@code retry: <ms>} and a blank line: the reconnect delay hint for EventSource. */
    public static void writeRetry(ByteBuf out, long retryMs) {
        out.writeBytes(TickEncoder.ascii("retry: "));
        AsciiNumbers.writeLong(out, retryMs);
        out.writeBytes(END);
    }

    private static void writeId(ByteBuf out, byte[] epoch, long position) {
        out.writeBytes(ID);
        out.writeBytes(epoch);
        out.writeByte('-');
        AsciiNumbers.writeLong(out, position);
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
}
