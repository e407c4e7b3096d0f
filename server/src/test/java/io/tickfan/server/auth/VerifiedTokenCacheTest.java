package io.tickfan.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/** The verified-token cache: hits until {@code exp}, keyed by digest, bounded. */
class VerifiedTokenCacheTest {
    private static Principal expiringAt(long expiresAtMs) {
        return new Principal("user", expiresAtMs, Entitlements.ALL, false, false);
    }

    @Test
    void shouldHitTheSameTokenUntilItsExpiryAndDropItThen() {
        final VerifiedTokenCache cache = new VerifiedTokenCache(10);
        final Principal p = expiringAt(1_000);
        cache.put(VerifiedTokenCache.keyOf("token-a"), p, 0);
        assertSame(p, cache.get(VerifiedTokenCache.keyOf("token-a"), 999), "a new key of the same token hits");
        assertNull(cache.get(VerifiedTokenCache.keyOf("token-a"), 1_000), "expired at exp");
        assertEquals(0, cache.size(), "an expired entry found on lookup is removed");
    }

    @Test
    void shouldKeyByTheWholeToken() {
        assertEquals(VerifiedTokenCache.keyOf("abc"), VerifiedTokenCache.keyOf("abc"));
        assertEquals(
                VerifiedTokenCache.keyOf("abc").hashCode(),
                VerifiedTokenCache.keyOf("abc").hashCode());
        assertNotEquals(VerifiedTokenCache.keyOf("abc"), VerifiedTokenCache.keyOf("abd"));
        final VerifiedTokenCache cache = new VerifiedTokenCache(10);
        cache.put(VerifiedTokenCache.keyOf("header.payload.signature"), expiringAt(1_000), 0);
        assertNull(cache.get(VerifiedTokenCache.keyOf("header.payload.signaturf"), 0), "another signature misses");
    }

    @Test
    void shouldCacheNothingWithZeroEntries() {
        final VerifiedTokenCache cache = new VerifiedTokenCache(0);
        cache.put(VerifiedTokenCache.keyOf("t"), expiringAt(1_000), 0);
        assertNull(cache.get(VerifiedTokenCache.keyOf("t"), 0));
        assertEquals(0, cache.size());
    }

    @Test
    void shouldDropExpiredEntriesFirstWhenFull() {
        final VerifiedTokenCache cache = new VerifiedTokenCache(3);
        cache.put(VerifiedTokenCache.keyOf("old"), expiringAt(100), 0);
        cache.put(VerifiedTokenCache.keyOf("live1"), expiringAt(10_000), 0);
        cache.put(VerifiedTokenCache.keyOf("live2"), expiringAt(10_000), 0);
        cache.put(VerifiedTokenCache.keyOf("new"), expiringAt(10_000), 200);
        assertEquals(3, cache.size());
        assertNull(cache.get(VerifiedTokenCache.keyOf("old"), 50), "the expired entry made room");
        assertEquals(10_000, cache.get(VerifiedTokenCache.keyOf("live1"), 200).expiresAtMs());
        assertEquals(10_000, cache.get(VerifiedTokenCache.keyOf("new"), 200).expiresAtMs());
    }

    @Test
    void shouldStayWithinItsBoundWhenNothingHasExpired() {
        final VerifiedTokenCache cache = new VerifiedTokenCache(3);
        for (int i = 0; i < 10; i++) {
            cache.put(VerifiedTokenCache.keyOf("t" + i), expiringAt(10_000), 0);
            assertEquals(true, cache.size() <= 3, "size " + cache.size());
        }
        assertEquals(10_000, cache.get(VerifiedTokenCache.keyOf("t9"), 0).expiresAtMs(), "the newest is kept");
    }

    @Test
    void shouldKeepEveryEntryWhenAFullCacheIsGivenATokenItAlreadyHolds() {
        // Two connections of a reconnect storm with one token both miss, both verify, both put.
        final VerifiedTokenCache cache = new VerifiedTokenCache(3);
        for (int i = 0; i < 3; i++) {
            cache.put(VerifiedTokenCache.keyOf("t" + i), expiringAt(10_000), 0);
        }
        cache.put(VerifiedTokenCache.keyOf("t1"), expiringAt(10_000), 0);
        assertEquals(3, cache.size(), "replacing an entry does not grow the cache, so nothing is dropped");
        for (int i = 0; i < 3; i++) {
            assertEquals(10_000, cache.get(VerifiedTokenCache.keyOf("t" + i), 0).expiresAtMs(), "t" + i);
        }
    }
}
