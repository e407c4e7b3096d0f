package io.tickfan.protocol;

/**
 * Stable error codes carried in an {@code error} reply ({@code "code"} field). Clients may switch
 * on them; the text in {@code "message"} is for people and may change.
 */
public enum ErrorCode {
    /** The frame is not a JSON object, or a field has the wrong type. */
    BAD_JSON("bad_json"),
    /** {@code op} is missing or not one this server knows. */
    UNKNOWN_OP("unknown_op"),
    /** A symbol is empty, too long or outside the alphabet. */
    BAD_SYMBOL("bad_symbol"),
    /** The message names more symbols than allowed, or the connection would exceed its subscriptions. */
    TOO_MANY_SYMBOLS("too_many_symbols"),
    /** The token does not entitle the user to a symbol. */
    NOT_ENTITLED("not_entitled"),
    /** The operation needs a role the token does not carry (for example {@code publish}). */
    FORBIDDEN("forbidden"),
    /** A published tick is malformed: bad price, missing symbol, too many ticks in one batch. */
    BAD_TICK("bad_tick"),
    /** The ingest ring is full: nothing of this batch from the first refused tick on was accepted. Retry later. */
    BACK_PRESSURED("back_pressured"),
    /** The connection sends faster than its message-rate limit. */
    RATE_LIMITED("rate_limited"),
    /** A {@code refresh} token is invalid, expired, or for another subject. */
    BAD_TOKEN("bad_token"),
    /** The server cannot take more symbols (the symbol table is full). */
    CAPACITY("capacity"),
    /**
     * The server is too busy to take this subscribe now (its queue to the sequencer is full):
     * nothing of it was applied. Retry after a short, jittered delay.
     */
    OVERLOADED("overloaded"),
    /** An SSE stream's token expired ({@code exp} plus the grace period): the stream ends next. */
    TOKEN_EXPIRED("token_expired"),
    /** The server's engine failed and the process is exiting: nothing of this batch was accepted; reconnect. */
    UNAVAILABLE("unavailable");

    private final String wireName;

    ErrorCode(String wireName) {
        this.wireName = wireName;
    }

    /** The code as it appears on the wire. */
    public String wireName() {
        return wireName;
    }
}
