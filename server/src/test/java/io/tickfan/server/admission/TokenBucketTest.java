package io.tickfan.server.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One bucket, driven by an explicit clock: what a WebSocket session's message rate uses. */
class TokenBucketTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);

    @Test
    void shouldAdmitTheBurstThenOneTokenPerIntervalAndSayHowLongToWait() {
        final TokenBucket bucket = new TokenBucket(10, 3, 0);
        for (int i = 0; i < 3; i++) {
            assertEquals(0, bucket.tryAcquire(0), "burst " + i);
        }
        assertEquals(SECOND / 10, bucket.tryAcquire(0));
        assertTrue(bucket.tryAcquire(SECOND / 20) > 0, "half a token is not a token");
        assertEquals(0, bucket.tryAcquire(SECOND / 10));
    }

    @Test
    void shouldRefillUpToTheBurstOnlyAndSayWhenFull() {
        final TokenBucket bucket = new TokenBucket(10, 3, 0);
        bucket.tryAcquire(0);
        assertFalse(bucket.isFull(0));
        assertTrue(bucket.isFull(SECOND / 10));
        int admitted = 0;
        while (bucket.tryAcquire(100 * SECOND) == 0) {
            admitted++;
        }
        assertEquals(3, admitted);
    }

    @Test
    void shouldNeverRefillAtAZeroRate() {
        final TokenBucket bucket = new TokenBucket(0, 1, 0);
        assertEquals(0, bucket.tryAcquire(0));
        assertEquals(Long.MAX_VALUE, bucket.tryAcquire(100 * SECOND));
    }

    @Test
    void shouldAlwaysHoldAtLeastOneTokenAndSayTheExactWaitAfterAPartialRefill() {
        final TokenBucket bucket = new TokenBucket(4, 0.5, 0);
        assertEquals(0, bucket.tryAcquire(0), "a burst under 1 still admits one message");
        assertEquals(SECOND / 4, bucket.tryAcquire(0));
        assertEquals(SECOND / 4 - SECOND / 10, bucket.tryAcquire(SECOND / 10), "the rest of the interval");
        assertEquals(0, bucket.tryAcquire(SECOND / 4));
        assertTrue(bucket.tryAcquire(SECOND / 4) > 0, "refilled to one token at most");
    }
}
