package io.tickfan.client;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/** Reads the server's "come back later" hints: {@code Retry-After} and the close reason {@code retry_ms=N}. */
public final class RetryHints {
    private RetryHints() {}

    /**
     * {@code Retry-After} as milliseconds: delta-seconds or an HTTP date relative to {@code nowMs};
     * -1 when absent or unreadable.
     */
    public static long retryAfterMs(String header, long nowMs) {
        if (header == null || header.isBlank()) {
            return -1;
        }
        final String value = header.trim();
        try {
            final long seconds = Long.parseLong(value);
            return seconds < 0 ? -1 : seconds * 1000;
        } catch (NumberFormatException notSeconds) {
            final Date date = DateFormatter.parseHttpDate(value);
            return date == null ? -1 : Math.max(0, date.getTime() - nowMs);
        }
    }

    /** {@code retry_ms=N} inside a close reason, or -1. */
    public static long closeReasonRetryMs(String reason) {
        if (reason == null) {
            return -1;
        }
        final int at = reason.indexOf("retry_ms=");
        if (at < 0) {
            return -1;
        }
        int end = at + "retry_ms=".length();
        final int start = end;
        while (end < reason.length() && Character.isDigit(reason.charAt(end))) {
            end++;
        }
        return end == start ? -1 : Long.parseLong(reason.substring(start, end));
    }
}
