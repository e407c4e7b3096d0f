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

    private final double tokensPerNs;
    private final double burst;
    private final int maxKeys;
    private final ConcurrentHashMap<Object, Bucket> buckets = new ConcurrentHashMap<>();

    public TokenBucketLimiter(double ratePerSecond, double burst, int maxKeys) {
        this.tokensPerNs = ratePerSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.maxKeys = maxKeys;
    }

    private static final class Bucket {
        double tokens;
        long updatedNs;

        Bucket(double tokens, long nowNs) {
            this.tokens = tokens;
            this.updatedNs = nowNs;
        }
    }

    /**
     * Takes a token for {@code key} if one is available.
     *
     * @return 0 if admitted, else the nanoseconds until a token will be available
     */
    public long tryAcquire(Object key, long nowNs) {
        Bucket b = buckets.get(key);
        if (b == null) {
            if (buckets.size() >= maxKeys) {
                evictIdle(nowNs);
            }
            b = buckets.computeIfAbsent(key, k -> new Bucket(burst, nowNs));
        }
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (nowNs - b.updatedNs) * tokensPerNs);
            b.updatedNs = nowNs;
            if (b.tokens >= 1) {
                b.tokens -= 1;
                return 0;
            }
            return tokensPerNs > 0 ? (long) Math.ceil((1 - b.tokens) / tokensPerNs) : Long.MAX_VALUE;
        }
    }

    private void evictIdle(long nowNs) {
        buckets.entrySet().removeIf(e -> {
            final Bucket b = e.getValue();
            synchronized (b) {
                return b.tokens + (nowNs - b.updatedNs) * tokensPerNs >= burst;
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
