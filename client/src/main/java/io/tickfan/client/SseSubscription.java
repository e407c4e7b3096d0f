package io.tickfan.client;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One SSE stream ({@code GET /sse?symbols=...}): parses its events, decodes each {@code data} as
 * the tick JSON and checks seq per symbol as {@link TickfanClient} does. Touched only on the event
 * loop of the connection that carries it. No reconnect: {@link #lastEventId()} is what a resume
 * would send.
 */
public final class SseSubscription {
    private static final FastThreadLocal<ServerMessageDecoder> DECODER = new FastThreadLocal<>() {
        @Override
        protected ServerMessageDecoder initialValue() {
            return new ServerMessageDecoder();
        }
    };
    private static final FastThreadLocal<ServerMessage> MESSAGE = new FastThreadLocal<>() {
        @Override
        protected ServerMessage initialValue() {
            return new ServerMessage();
        }
    };
    private static final FastThreadLocal<TickScanner> SCANNER = new FastThreadLocal<>() {
        @Override
        protected TickScanner initialValue() {
            return new TickScanner();
        }
    };

    private final List<String> symbols;
    private final SseListener listener;
    private final Map<String, SymbolCursor> cursors = new HashMap<>();
    /** The cursors by a symbol's bytes, for scanned ticks. */
    private final SymbolTable symbolTable;
    /** Whether tick events are scanned rather than decoded ({@link SseListener#wantsPrices()}). */
    private final boolean scanTicks;

    private final SseEventParser parser = new SseEventParser(this::onEvent);
    private final Object attachment;
    private long receivedNs;
    volatile int status;

    public SseSubscription(List<String> symbols, SseListener listener, Object attachment) {
        this.symbols = List.copyOf(symbols);
        this.listener = listener;
        this.attachment = attachment;
        for (String s : this.symbols) {
            cursors.put(s, new SymbolCursor(s));
        }
        this.symbolTable = new SymbolTable(cursors.values());
        this.scanTicks = !listener.wantsPrices();
    }

    public Object attachment() {
        return attachment;
    }

    /** The HTTP status of the response, 0 until it arrives. */
    public int status() {
        return status;
    }

    public String lastEventId() {
        return parser.lastEventId();
    }

    /** {@code /sse?symbols=A,B}. */
    public String pathAndQuery() {
        return "/sse?symbols=" + URLEncoder.encode(String.join(",", symbols), StandardCharsets.UTF_8);
    }

    void onResponse(int httpStatus) {
        status = httpStatus;
        listener.onResponse(this, httpStatus);
    }

    void onContent(ByteBuf content, long nowNs) {
        receivedNs = nowNs;
        parser.feed(content);
    }

    void onClosed(Throwable cause) {
        listener.onClosed(this, cause);
    }

    private void onEvent(boolean tickEvent, byte[] data, int length) {
        if (!tickEvent || scanTicks && scanTick(data, length)) {
            return;
        }
        final ServerMessage m;
        try {
            m = DECODER.get().decode(data, 0, length, MESSAGE.get());
        } catch (ProtocolException e) {
            return;
        }
        if (m.type != ServerMessage.Type.TICK) {
            return;
        }
        final SymbolCursor cursor = m.tick.symbol == null ? null : cursors.get(m.tick.symbol);
        if (cursor == null) {
            listener.onTick(this, m.tick, receivedNs, TickStatus.UNSUBSCRIBED, 0);
            return;
        }
        final int st = cursor.advance(m.tick);
        listener.onTick(this, m.tick, receivedNs, st, cursor.missing);
    }

    /** True when the scanner took the event and it was a tick of a subscribed symbol. */
    private boolean scanTick(byte[] data, int length) {
        final Tick tick = MESSAGE.get().tick;
        final SymbolCursor cursor = symbolTable.scanned(SCANNER.get(), data, length, tick);
        if (cursor == null) {
            return false;
        }
        final int status = cursor.advance(tick.seq, tick.flags);
        listener.onTick(this, tick, receivedNs, status, cursor.missing);
        return true;
    }
}
