package io.tickfan.client;

/**
 * What a received tick means for its symbol's sequence, as judged by the client's per-symbol
 * cursor. Return codes rather than objects: this is decided once per received tick.
 */
public final class TickStatus {
    /** The next seq after the previous one. */
    public static final int IN_ORDER = 0;
    /** The first tick of a symbol that had no baseline yet (no snapshot came before it). */
    public static final int FIRST = 1;
    /** The symbol's latest value sent on subscribe. */
    public static final int SNAPSHOT = 2;
    /** A resume could not be honoured: a fresh snapshot; what was missed is lost. */
    public static final int RESET = 3;
    /** The seq jumped: {@code missing} ticks never arrived. */
    public static final int GAP = 4;
    /** The seq is not above the last one: a duplicate or a regression. */
    public static final int DUPLICATE = 5;
    /** The server conflated ticks for this client: a jump is allowed. */
    public static final int CONFLATED = 6;
    /** A tick for a symbol this client is not subscribed to. */
    public static final int UNSUBSCRIBED = 7;

    private TickStatus() {}

    /** Whether the tick is a live update (not a snapshot or reset). */
    public static boolean isLive(int status) {
        return status == IN_ORDER || status == FIRST || status == GAP || status == CONFLATED;
    }

    public static String name(int status) {
        return switch (status) {
            case IN_ORDER -> "in_order";
            case FIRST -> "first";
            case SNAPSHOT -> "snapshot";
            case RESET -> "reset";
            case GAP -> "gap";
            case DUPLICATE -> "duplicate";
            case CONFLATED -> "conflated";
            case UNSUBSCRIBED -> "unsubscribed";
            default -> "unknown(" + status + ")";
        };
    }
}
