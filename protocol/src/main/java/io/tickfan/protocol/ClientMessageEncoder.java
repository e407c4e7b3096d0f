package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * Encodes client-to-server messages: the inverse of {@link ClientMessageDecoder}, for the Java
 * client, loadgen and tests. {@link #writePublish} writes straight into a buffer without
 * allocating, for publishers that pace hundreds of thousands of ticks per second.
 */
public final class ClientMessageEncoder {
    private static final byte[] PUBLISH_HEAD = TickEncoder.ascii("{\"op\":\"publish\",\"ticks\":[");
    private static final byte[] PUBLISH_TAIL = TickEncoder.ascii("]}");
    private static final byte[] SYM = TickEncoder.ascii("{\"sym\":\"");
    private static final byte[] SEQ = TickEncoder.ascii("\",\"seq\":");
    private static final byte[] TS = TickEncoder.ascii(",\"ts\":");
    private static final byte[][] FIELD_KEYS = {
        TickEncoder.ascii(",\"bid\":"), TickEncoder.ascii(",\"ask\":"), TickEncoder.ascii(",\"bsz\":"),
        TickEncoder.ascii(",\"asz\":"), TickEncoder.ascii(",\"last\":"), TickEncoder.ascii(",\"lsz\":")
    };

    private ClientMessageEncoder() {}

    /**
     * {@code subscribe}: {@code since} maps symbols to the last seq the client holds (may be
     * empty); {@code epoch} and {@code id} may be null; {@code maxHz} 0 means unlimited.
     */
    public static String subscribe(
            String id, Collection<String> symbols, Map<String, Long> since, String epoch, int maxHz) {
        return JsonText.object(g -> {
            g.writeStringField("op", "subscribe");
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("symbols");
            for (String s : symbols) {
                g.writeString(s);
            }
            g.writeEndArray();
            if (since != null && !since.isEmpty()) {
                g.writeObjectFieldStart("since");
                for (Map.Entry<String, Long> e : since.entrySet()) {
                    g.writeNumberField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            if (epoch != null) {
                g.writeStringField("epoch", epoch);
            }
            if (maxHz > 0) {
                g.writeNumberField("maxHz", maxHz);
            }
        });
    }

    /** {@code unsubscribe}. */
    public static String unsubscribe(String id, Collection<String> symbols) {
        return JsonText.object(g -> {
            g.writeStringField("op", "unsubscribe");
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("symbols");
            for (String s : symbols) {
                g.writeString(s);
            }
            g.writeEndArray();
        });
    }

    /** {@code ping}. */
    public static String ping(String id) {
        return JsonText.object(g -> {
            g.writeStringField("op", "ping");
            if (id != null) {
                g.writeStringField("id", id);
            }
        });
    }

    /** {@code refresh} with a new token. */
    public static String refresh(String id, String token) {
        return JsonText.object(g -> {
            g.writeStringField("op", "refresh");
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeStringField("token", token);
        });
    }

    /**
     * Appends a {@code publish} of {@code count} ticks (no {@code id}) to {@code out}. A tick with
     * {@code seq == 0} leaves numbering to the server.
     */
    public static void writePublish(ByteBuf out, Tick[] ticks, int count) {
        out.writeBytes(PUBLISH_HEAD);
        for (int i = 0; i < count; i++) {
            final Tick t = ticks[i];
            if (i > 0) {
                out.writeByte(',');
            }
            out.writeBytes(SYM);
            writeAscii(out, t.symbol);
            out.writeByte('"');
            if (t.seq > 0) {
                out.writeBytes(SEQ, 1, SEQ.length - 1);
                AsciiNumbers.writeLong(out, t.seq);
            }
            out.writeBytes(TS);
            AsciiNumbers.writeLong(out, t.exchangeTimeNs);
            writeField(out, t, Tick.BID, 0, t.bid);
            writeField(out, t, Tick.ASK, 1, t.ask);
            writeField(out, t, Tick.BID_SIZE, 2, t.bidSize);
            writeField(out, t, Tick.ASK_SIZE, 3, t.askSize);
            writeField(out, t, Tick.LAST, 4, t.last);
            writeField(out, t, Tick.LAST_SIZE, 5, t.lastSize);
            out.writeByte('}');
        }
        out.writeBytes(PUBLISH_TAIL);
    }

    private static void writeField(ByteBuf out, Tick t, int field, int key, long mantissa) {
        if ((t.fieldMask & field) != 0) {
            out.writeBytes(FIELD_KEYS[key]);
            Decimals.write(out, mantissa);
        }
    }

    private static void writeAscii(ByteBuf out, String s) {
        out.writeCharSequence(s, StandardCharsets.US_ASCII);
    }
}
