package io.tickfan.server.sse;

import io.tickfan.protocol.ErrorCode;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import java.nio.charset.StandardCharsets;

/** One parsed SSE record as a test client sees it: an id (or null), an event name and data. */
record SseEvent(String id, String event, String data) {

    boolean isTick() {
        return "tick".equals(event);
    }

    /** The tick in {@link #data}, decoded with the protocol's own client decoder. */
    Tick tick() {
        final byte[] bytes = data.getBytes(StandardCharsets.UTF_8);
        try {
            final ServerMessage m = new ServerMessageDecoder().decode(bytes, 0, bytes.length, new ServerMessage());
            return new Tick().copyFrom(m.tick);
        } catch (ProtocolException e) {
            throw new AssertionError(ErrorCode.BAD_JSON + ": " + data, e);
        }
    }
}
