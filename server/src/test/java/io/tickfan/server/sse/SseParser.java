package io.tickfan.server.sse;

import io.tickfan.server.testing.WireLog;
import java.util.function.Consumer;

/**
 * Splits an event stream into records as the EventSource algorithm does: fields until a blank
 * line; comments ignored; an id-only record updates the last event id without an event.
 */
final class SseParser {
    private final Consumer<SseEvent> sink;
    private final StringBuilder partial = new StringBuilder();
    private String id;
    private String event;
    private StringBuilder data;
    private volatile String lastEventId;
    /** Every {@code retry:} value, in order (the stream's opening hint, then any drain hint). */
    final java.util.List<Long> retries = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The last record with data (an event). */
    volatile SseEvent lastEvent;

    SseParser(Consumer<SseEvent> sink) {
        this.sink = sink;
    }

    /** Feeds text that may end mid-line. */
    void feed(CharSequence text) {
        for (int i = 0; i < text.length(); i++) {
            final char c = text.charAt(i);
            if (c == '\n') {
                line(partial.toString());
                partial.setLength(0);
            } else {
                partial.append(c);
            }
        }
    }

    void line(String line) {
        if (line.isEmpty()) {
            if (id != null) {
                lastEventId = id;
            }
            if (data != null) {
                lastEvent = new SseEvent(id, event == null ? "message" : event, data.toString());
                if ("tick".equals(event)) {
                    WireLog.sse(id, lastEvent.data());
                }
                sink.accept(lastEvent);
            } else if (id != null) {
                sink.accept(new SseEvent(id, null, null));
            }
            id = null;
            event = null;
            data = null;
            return;
        }
        if (line.startsWith(":")) {
            return;
        }
        final int colon = line.indexOf(':');
        final String field = colon < 0 ? line : line.substring(0, colon);
        String value = colon < 0 ? "" : line.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "id" -> id = value;
            case "event" -> event = value;
            case "retry" -> retries.add(Long.parseLong(value));
            case "data" ->
                data = data == null
                        ? new StringBuilder(value)
                        : data.append('\n').append(value);
            default -> {}
        }
    }

    /** The id an EventSource would send as Last-Event-ID on reconnect. */
    String lastEventId() {
        return lastEventId;
    }
}
