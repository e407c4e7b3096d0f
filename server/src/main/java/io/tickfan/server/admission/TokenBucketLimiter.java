package io.tickfan.server.admission;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Token buckets per key (a client address): {@code ratePerSecond} sustained, {@code burst} at
 * once. Thread-safe; a bucket is locked only by the threads of its own key. The number of keys is
 * bounded: past {@code maxKeys}, buckets that have refilled (idle clients) are dropped, and if
 * that frees nothing the map is cleared, which errs on the side of admitting.
 */
public final class TokenBucketLimiter {
    /** Default bound on tracked keys. */
    public static final int MAX_KEYS = 100_000;

    private final double ratePerSecond;
    private final double burst;
    private final int maxKeys;
    private final ConcurrentHashMap<Object, TokenBucket> buckets = new ConcurrentHashMap<>();

    public TokenBucketLimiter(double ratePerSecond, double burst, int maxKeys) {
        this.ratePerSecond = ratePerSecond;
        this.burst = burst;
        this.maxKeys = maxKeys;
    }

    /**
     * Takes a token for {@code key} if one is available.
     *
     * @return 0 if admitted, else the nanoseconds until a token will be available
     */
    public long tryAcquire(Object key, long nowNs) {
        TokenBucket b = buckets.get(key);
        if (b == null) {
            if (buckets.size() >= maxKeys) {
                evictIdle(nowNs);
            }
            b = buckets.computeIfAbsent(key, k -> new TokenBucket(ratePerSecond, burst, nowNs));
        }
        synchronized (b) {
            return b.tryAcquire(nowNs);
        }
    }

    private void evictIdle(long nowNs) {
        buckets.entrySet().removeIf(e -> {
            final TokenBucket b = e.getValue();
            synchronized (b) {
                return b.isFull(nowNs);
            }
        });
        if (buckets.size() >= maxKeys) {
            buckets.clear();
        }
    }

    /** Keys currently tracked. */
    public int size() {
        return buckets.size();
    }
}
