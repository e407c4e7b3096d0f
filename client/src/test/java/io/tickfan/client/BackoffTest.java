package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void shouldReconnectAtOnceWithNone() {
        for (int attempt = 0; attempt < 10; attempt++) {
            assertEquals(0, Backoff.none().delayMs(attempt));
        }
    }

    @Test
    void shouldGrowByFactorWithinJitterAndCapAtMax() {
        final Backoff b = Backoff.exponential();
        long min0 = Long.MAX_VALUE;
        long max0 = 0;
        for (int i = 0; i < 2000; i++) {
            final long d0 = b.delayMs(0);
            min0 = Math.min(min0, d0);
            max0 = Math.max(max0, d0);
            final long d3 = b.delayMs(3);
            assertTrue(d3 >= 800 && d3 <= 2400, "attempt 3 is 1600 ms +/-50%, got " + d3);
            final long d20 = b.delayMs(20);
            assertTrue(d20 >= 15_000 && d20 <= 45_000, "capped at 30 s +/-50%, got " + d20);
        }
        assertTrue(min0 >= 100 && min0 < 130, "first delay spreads down to ~100 ms, got " + min0);
        assertTrue(max0 <= 300 && max0 > 270, "first delay spreads up to ~300 ms, got " + max0);
    }

    @Test
    void shouldBeExactWithoutJitter() {
        final Backoff b = Backoff.exponential(100, 1000, 3.0, 0.0);
        assertEquals(100, b.delayMs(0));
        assertEquals(300, b.delayMs(1));
        assertEquals(900, b.delayMs(2));
        assertEquals(1000, b.delayMs(3));
    }

    @Test
    void shouldRejectNonsense() {
        assertThrows(IllegalArgumentException.class, () -> Backoff.exponential(-1, 10, 2, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Backoff.exponential(100, 10, 2, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Backoff.exponential(1, 10, 0.5, 0.5));
        assertThrows(IllegalArgumentException.class, () -> Backoff.exponential(1, 10, 2, 1.5));
    }
}
