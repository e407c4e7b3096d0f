package io.tickfan.server.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Token buckets per key, driven by an explicit clock. */
class TokenBucketLimiterTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void shouldAdmitTheBurstThenSayHowLongToWait() {
        final TokenBucketLimiter limiter = new TokenBucketLimiter(10, 3, 100);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, limiter.tryAcquire("a", 0), "burst " + i);
        }
        final long waitNs = limiter.tryAcquire("a", 0);
        assertEquals(SECOND / 10, waitNs, "one token every 100 ms");
        assertTrue(limiter.tryAcquire("a", SECOND / 20) > 0, "half a token is not a token");
        assertEquals(0, limiter.tryAcquire("a", SECOND / 10));
    }

    @Test
    void shouldRefillAtTheRateUpToTheBurstOnly() {
        final TokenBucketLimiter limiter = new TokenBucketLimiter(10, 3, 100);
        for (int i = 0; i < 3; i++) {
            limiter.tryAcquire("a", 0);
        }
        final long later = 100 * SECOND; // idle long enough for 1,000 tokens, capped at 3
        int admitted = 0;
        while (limiter.tryAcquire("a", later) == 0) {
            admitted++;
        }
        assertEquals(3, admitted);
    }

    @Test
    void shouldKeepKeysApart() {
        final TokenBucketLimiter limiter = new TokenBucketLimiter(1, 1, 100);
        assertEquals(0, limiter.tryAcquire("a", 0));
        assertTrue(limiter.tryAcquire("a", 0) > 0);
        assertEquals(0, limiter.tryAcquire("b", 0), "another client has its own bucket");
    }

    @Test
    void shouldNeverAdmitPastTheBurstWithAZeroRate() {
        final TokenBucketLimiter limiter = new TokenBucketLimiter(0, 1, 100);
        assertEquals(0, limiter.tryAcquire("a", 0));
        assertEquals(Long.MAX_VALUE, limiter.tryAcquire("a", 1_000 * SECOND));
    }

    @Test
    void shouldBoundTheKeysByDroppingIdleBucketsFirst() {
        final TokenBucketLimiter limiter = new TokenBucketLimiter(1, 2, 3);
        limiter.tryAcquire("busy", 0);
        limiter.tryAcquire("busy", 0);
        limiter.tryAcquire("idle1", 0);
        limiter.tryAcquire("idle2", 0);
        assertEquals(3, limiter.size());
        // At 1.5 s "busy" takes a token again (0.5 left); at 1.6 s the idle buckets are full again.
        assertEquals(0, limiter.tryAcquire("busy", 1_500_000_000L));
        assertEquals(0, limiter.tryAcquire("new", 1_600_000_000L));
        assertEquals(2, limiter.size(), "the refilled (idle) buckets were dropped, the busy one kept");
        assertTrue(limiter.tryAcquire("busy", 1_600_000_000L) > 0, "the busy client's debt survived the eviction");
    }

    @Test
    void shouldClearWhenNoBucketIsIdleRatherThanGrowPastTheBound() {
        final TokenBucketLimiter limiter = new TokenBucketLimiter(1, 1, 3);
        for (int i = 0; i < 10; i++) {
            assertEquals(0, limiter.tryAcquire("k" + i, 0), "a new key is admitted");
            assertTrue(limiter.size() <= 3, "size " + limiter.size());
        }
    }
}
