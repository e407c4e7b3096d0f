package io.tickfan.server.testing;

import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.Tick;

/**
 * One server message as a test client received it: an immutable copy of what {@link
 * io.tickfan.protocol.ServerMessageDecoder} decoded, plus the raw JSON. {@code serverTimeNs} is
 * the {@code ts} of a {@code pong}.
 */
public record Received(
        ServerMessage.Type type,
        String id,
        String op,
        String code,
        String message,
        String epoch,
        long serverTimeNs,
        Tick tick,
        String raw) {

    static Received of(ServerMessage m, String raw) {
        final Tick tick = m.type == ServerMessage.Type.TICK ? new Tick().copyFrom(m.tick) : null;
        return new Received(m.type, m.id, m.op, m.code, m.message, m.epoch, m.serverTimeNs, tick, raw);
    }

    public boolean isTick() {
        return type == ServerMessage.Type.TICK;
    }

    public boolean isTickOf(String symbol) {
        return isTick() && symbol.equals(tick.symbol);
    }

    public boolean isError(String errorCode) {
        return type == ServerMessage.Type.ERROR && errorCode.equals(code);
    }

    public boolean isAck(String requestId) {
        return type == ServerMessage.Type.ACK && requestId.equals(id);
    }

    @Override
    public String toString() {
        return raw;
    }
}
