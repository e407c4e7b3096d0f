package io.tickfan.protocol;

/**
 * WebSocket close codes the server sends. The 1000-range codes keep their RFC 6455 meaning; the
 * 4000-range ones are tickfan's own. Every close also carries a short reason text.
 */
public final class CloseCodes {
    /** Normal closure (client asked, or server shut down cleanly with nothing to resume). */
    public static final int NORMAL = 1000;
    /** The server is going away without a drain window. */
    public static final int GOING_AWAY = 1001;
    /** Protocol violation detected by the frame decoder (for example an unmasked client frame). */
    public static final int PROTOCOL_ERROR = 1002;
    /** A binary frame: protocol v1 speaks JSON text frames only. */
    public static final int UNSUPPORTED_DATA = 1003;
    /** A text frame that is not valid UTF-8. */
    public static final int INVALID_UTF8 = 1007;
    /** A frame larger than the configured maximum. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** A fragmented message (continuation frames): protocol v1 messages fit in one frame. */
    public static final int FRAGMENTED = 4003;
    /** The service is restarting; the reason carries {@code retry_ms=N}, the delay before reconnecting. */
    public static final int SERVICE_RESTART = 4001;
    /** The token expired and no {@code refresh} arrived in time. */
    public static final int TOKEN_EXPIRED = 4002;
    /** The client did not read fast enough and fell too far behind. */
    public static final int SLOW_CONSUMER = 4008;
    /** The client kept sending past its message-rate limit after being warned. */
    public static final int RATE_LIMITED = 4029;

    private CloseCodes() {}
}
