package io.tickfan.server.admission;

/**
 * One token bucket: {@code ratePerSecond} sustained, {@code burst} at once, refilled lazily from the
 * caller's clock. Not thread-safe: a session's bucket is touched only on its event loop; {@link
 * TokenBucketLimiter} locks each of its buckets.
 */
public final class TokenBucket {
    private final double tokensPerNs;
    private final double burst;
    private double tokens;
    private long updatedNs;

    /** A full bucket at {@code nowNs}. */
    public TokenBucket(double ratePerSecond, double burst, long nowNs) {
        this.tokensPerNs = ratePerSecond / 1e9;
        this.burst = Math.max(1, burst);
        this.tokens = this.burst;
        this.updatedNs = nowNs;
    }

    /**
     * Takes a token if one is available at {@code nowNs}.
     *
     * @return 0 if taken, else the nanoseconds until one will be available ({@link Long#MAX_VALUE}
     *     at a rate of 0)
     */
    public long tryAcquire(long nowNs) {
        tokens = Math.min(burst, tokens + (nowNs - updatedNs) * tokensPerNs);
        updatedNs = nowNs;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return tokensPerNs > 0 ? (long) Math.ceil((1 - tokens) / tokensPerNs) : Long.MAX_VALUE;
    }

    /** Whether the bucket would be full at {@code nowNs} (its owner has been idle). */
    public boolean isFull(long nowNs) {
        return tokens + (nowNs - updatedNs) * tokensPerNs >= burst;
    }
}
