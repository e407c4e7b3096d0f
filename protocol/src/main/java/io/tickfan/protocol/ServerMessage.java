package io.tickfan.protocol;

/**
 * A decoded server-to-client message, reused across decodes by {@link ServerMessageDecoder} so a
 * client reading a million ticks per second allocates little. Which fields are set depends on
 * {@link #type}.
 */
public final class ServerMessage {
    /** The message types of protocol v1. */
    public enum Type {
        TICK,
        ACK,
        ERROR,
        PONG,
        /** A type this client does not know; ignore it (forward compatibility). */
        OTHER
    }

    public Type type;
    /** For {@code ack}, {@code error}, {@code pong}: the echoed request id, or null. */
    public String id;
    /** For {@code ack}: the op acknowledged. */
    public String op;
    /** For {@code ack} of a subscribe: the history epoch that {@code since} values refer to. */
    public String epoch;
    /** For {@code error}: the stable {@link ErrorCode} wire name. */
    public String code;
    /** For {@code error}: the human-readable text. */
    public String message;
    /** For {@code pong}: the server's clock, epoch nanoseconds. */
    public long serverTimeNs;
    /** For {@code tick}. */
    public final Tick tick = new Tick();

    void clear() {
        type = Type.OTHER;
        id = null;
        op = null;
        epoch = null;
        code = null;
        message = null;
        serverTimeNs = 0;
        tick.clear();
    }
}
