package io.tickfan.protocol;

import java.util.List;

/**
 * A decoded client-to-server message. Which fields are set depends on {@link #op}:
 *
 * <ul>
 *   <li>{@code subscribe}: {@link #symbols}, optional {@link #since} (parallel to symbols, {@link
 *       #NO_SINCE} where absent), optional {@link #epoch} and {@link #maxHz};
 *   <li>{@code unsubscribe}: {@link #symbols};
 *   <li>{@code publish}: {@link #ticks};
 *   <li>{@code refresh}: {@link #token};
 *   <li>{@code ping}: nothing.
 * </ul>
 *
 * Every op may carry {@link #id}, echoed in the reply.
 */
public final class ClientMessage {
    /** The operations of protocol v1. */
    public enum Op {
        SUBSCRIBE("subscribe"),
        UNSUBSCRIBE("unsubscribe"),
        PING("ping"),
        PUBLISH("publish"),
        REFRESH("refresh");

        private final String wireName;

        Op(String wireName) {
            this.wireName = wireName;
        }

        public String wireName() {
            return wireName;
        }

        static Op fromWire(String name) {
            for (Op op : values()) {
                if (op.wireName.equals(name)) {
                    return op;
                }
            }
            return null;
        }
    }

    /** Marks a symbol subscribed without a resume point. */
    public static final long NO_SINCE = -1;

    public final Op op;
    public final String id;
    public final List<String> symbols;
    public final long[] since;
    public final String epoch;
    public final int maxHz;
    public final List<Tick> ticks;
    public final String token;

    ClientMessage(
            Op op,
            String id,
            List<String> symbols,
            long[] since,
            String epoch,
            int maxHz,
            List<Tick> ticks,
            String token) {
        this.op = op;
        this.id = id;
        this.symbols = symbols;
        this.since = since;
        this.epoch = epoch;
        this.maxHz = maxHz;
        this.ticks = ticks;
        this.token = token;
    }
}
