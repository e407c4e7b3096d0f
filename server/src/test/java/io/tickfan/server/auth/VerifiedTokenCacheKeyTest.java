package io.tickfan.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The cache key of a token is the same whichever thread (and per-thread digest) computed it. */
class VerifiedTokenCacheKeyTest {
    @Test
    void shouldGiveOneTokenOneKeyOnEveryThreadAndOtherTokensOtherKeys() throws Exception {
        final VerifiedTokenCache.Key a = VerifiedTokenCache.keyOf("a.b.c");
        assertEquals(a, VerifiedTokenCache.keyOf("a.b.c"));
        assertEquals(a.hashCode(), VerifiedTokenCache.keyOf("a.b.c").hashCode());
        assertNotEquals(a, VerifiedTokenCache.keyOf("a.b.d"));
        final AtomicReference<VerifiedTokenCache.Key> other = new AtomicReference<>();
        final Thread t = new Thread(() -> other.set(VerifiedTokenCache.keyOf("a.b.c")));
        t.start();
        t.join();
        assertEquals(a, other.get());
    }
}
