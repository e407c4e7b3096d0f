package io.tickfan.protocol;

/**
 * A client message the server refuses, with the {@link ErrorCode} for the reply. Built without a
 * stack trace: it is an expected outcome of bad input, not a bug, and must cost little.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String requestId;

    public ProtocolException(ErrorCode code, String message, String requestId) {
        super(message, null, false, false);
        this.code = code;
        this.requestId = requestId;
    }

    public ErrorCode code() {
        return code;
    }

    /** The {@code id} of the refused message, if it could be read; {@code null} otherwise. */
    public String requestId() {
        return requestId;
    }
}
