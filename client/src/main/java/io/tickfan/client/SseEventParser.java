package io.tickfan.client;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Splits a {@code text/event-stream} into events, across reads that cut lines anywhere. Keeps the
 * {@code data} of the event being built in one reusable array and the last {@code id} as bytes
 * (a String only when asked), so a steady stream allocates nothing per event.
 */
public final class SseEventParser {
    /** Receives each complete event; {@code data} is valid only during the call. */
    public interface Sink {
        void onEvent(boolean tickEvent, byte[] data, int length);
    }

    private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID = "id".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TICK = "tick".getBytes(StandardCharsets.US_ASCII);

    private final Sink sink;
    private byte[] line = new byte[512];
    private int lineLength;
    private byte[] data = new byte[512];
    private int dataLength;
    private boolean hasData;
    private boolean tickEvent = true;
    private byte[] id = new byte[64];
    private int idLength = -1;

    public SseEventParser(Sink sink) {
        this.sink = sink;
    }

    /** The last {@code id} seen (what {@code Last-Event-ID} would carry), or null. */
    public String lastEventId() {
        return idLength < 0 ? null : new String(id, 0, idLength, StandardCharsets.UTF_8);
    }

    /** Consumes every readable byte of {@code in} (does not release it). */
    public void feed(ByteBuf in) {
        int from = in.readerIndex();
        final int end = in.writerIndex();
        while (from < end) {
            final int nl = in.indexOf(from, end, (byte) '\n');
            final int stop = nl < 0 ? end : nl;
            append(in, from, stop - from);
            if (nl < 0) {
                break;
            }
            endOfLine();
            from = nl + 1;
        }
        in.readerIndex(end);
    }

    private void append(ByteBuf in, int from, int length) {
        if (lineLength + length > line.length) {
            line = java.util.Arrays.copyOf(line, Math.max(lineLength + length, line.length * 2));
        }
        in.getBytes(from, line, lineLength, length);
        lineLength += length;
    }

    private void endOfLine() {
        int n = lineLength;
        lineLength = 0;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        if (n == 0) {
            dispatch();
            return;
        }
        if (line[0] == ':') {
            return;
        }
        int colon = 0;
        while (colon < n && line[colon] != ':') {
            colon++;
        }
        int value = Math.min(n, colon + 1);
        if (value < n && line[value] == ' ') {
            value++;
        }
        final int valueLength = n - value;
        if (is(DATA, colon)) {
            final int newline = hasData ? 1 : 0;
            if (dataLength + newline + valueLength > data.length) {
                data = java.util.Arrays.copyOf(data, Math.max(dataLength + newline + valueLength, data.length * 2));
            }
            if (hasData) {
                data[dataLength++] = '\n';
            }
            hasData = true;
            System.arraycopy(line, value, data, dataLength, valueLength);
            dataLength += valueLength;
        } else if (is(ID, colon)) {
            if (id.length < valueLength) {
                id = new byte[valueLength];
            }
            System.arraycopy(line, value, id, 0, valueLength);
            idLength = valueLength;
        } else if (is(EVENT, colon)) {
            tickEvent = valueLength == TICK.length && java.util.Arrays.equals(line, value, n, TICK, 0, TICK.length);
        }
    }

    private boolean is(byte[] field, int length) {
        return length == field.length && java.util.Arrays.equals(line, 0, length, field, 0, length);
    }

    private void dispatch() {
        if (hasData) {
            sink.onEvent(tickEvent, data, dataLength);
        }
        hasData = false;
        dataLength = 0;
        tickEvent = true;
    }
}
