package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;
import org.junit.jupiter.api.Test;

class RetryHintsTest {
    @Test
    void shouldReadDeltaSeconds() {
        assertEquals(3000, RetryHints.retryAfterMs("3", 0));
        assertEquals(0, RetryHints.retryAfterMs(" 0 ", 0));
    }

    @Test
    void shouldReadHttpDate() {
        final long now = 1_700_000_000_000L;
        assertEquals(5000, RetryHints.retryAfterMs(DateFormatter.format(new Date(now + 5000)), now));
    }

    @Test
    void shouldIgnoreMissingOrGarbage() {
        assertEquals(-1, RetryHints.retryAfterMs(null, 0));
        assertEquals(-1, RetryHints.retryAfterMs("soon", 0));
        assertEquals(-1, RetryHints.retryAfterMs("-4", 0));
    }

    @Test
    void shouldReadCloseReasonHint() {
        assertEquals(1500, RetryHints.closeReasonRetryMs("restarting retry_ms=1500"));
        assertEquals(-1, RetryHints.closeReasonRetryMs("bye"));
        assertEquals(-1, RetryHints.closeReasonRetryMs(null));
    }
}
