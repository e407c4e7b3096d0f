package io.tickfan.server.auth;

import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tokens that verified, so a reconnect storm with the same tokens verifies each once: ES256 costs
 * about 1.5 ms of CPU on JDK 17, a cache hit (one SHA-256 of the token and a map lookup) about a
 * microsecond. Keyed by the token's SHA-256, so the cache holds no usable credential; an entry
 * lives until the token's {@code exp}. Bounded: past {@code maxEntries}, expired entries are
 * dropped, and if that is not enough the cache is cleared (a storm then pays verification once
 * more, which is the cost without a cache). Thread-safe.
 */
public final class VerifiedTokenCache {
    private final ConcurrentHashMap<Key, Principal> entries = new ConcurrentHashMap<>();
    private final int maxEntries;

    public VerifiedTokenCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    /** A token's cache key. */
    public static final class Key {
        private final byte[] digest;
        private final int hash;

        private Key(byte[] digest) {
            this.digest = digest;
            this.hash = Arrays.hashCode(digest);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Arrays.equals(digest, k.digest);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** The key of {@code token}. */
    public static Key keyOf(String token) {
        // One digest per thread: MessageDigest.getInstance (a provider lookup and a new object) cost
        // more than the hash itself, 8 of the 10 samples of keyOf in a profiled reconnect wave.
        final MessageDigest sha256 = SHA256.get();
        sha256.reset();
        return new Key(sha256.digest(token.getBytes(StandardCharsets.US_ASCII)));
    }

    private static final FastThreadLocal<MessageDigest> SHA256 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is required of every JRE", e);
            }
        }
    };

    /** The cached principal of a token that has not expired at {@code nowMs}, or null. */
    public Principal get(Key key, long nowMs) {
        final Principal p = entries.get(key);
        if (p == null) {
            return null;
        }
        if (p.expiresAtMs() <= nowMs) {
            entries.remove(key, p);
            return null;
        }
        return p;
    }

    /** Remembers a verified token until its expiry. */
    public void put(Key key, Principal principal, long nowMs) {
        if (maxEntries == 0) {
            return;
        }
        // A token already held (two connections of a storm verified it at once) replaces its entry.
        if (entries.size() >= maxEntries && !entries.containsKey(key)) {
            entries.values().removeIf(p -> p.expiresAtMs() <= nowMs);
            if (entries.size() >= maxEntries) {
                entries.clear();
            }
        }
        entries.put(key, principal);
    }

    public int size() {
        return entries.size();
    }
}
