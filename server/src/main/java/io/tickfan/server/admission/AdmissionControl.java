package io.tickfan.server.admission;

import java.net.InetAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides, when a connection is accepted and before anything is read from it, whether the server
 * takes it: a global cap on open connections, a per-address rate of new connections and a global
 * accept rate (token buckets with bursts), and refusal of everything while draining. Thread-safe;
 * costs a few atomic operations per accept.
 */
public final class AdmissionControl {
    /** Why a connection was refused, with the HTTP status and the Retry-After to answer with. */
    public record Rejection(int status, String reason, long retryAfterSeconds) {}

    private static final Object GLOBAL = new Object();

    private final int maxConnections;
    private final TokenBucketLimiter perAddress;
    private final TokenBucketLimiter global;
    private final AtomicInteger open = new AtomicInteger();
    private volatile boolean draining;
    private volatile long drainRetryAfterSeconds = 1;

    public AdmissionControl(
            int maxConnections,
            double perAddressPerSecond,
            double perAddressBurst,
            double acceptsPerSecond,
            double acceptBurst) {
        this.maxConnections = maxConnections;
        this.perAddress = new TokenBucketLimiter(perAddressPerSecond, perAddressBurst, TokenBucketLimiter.MAX_KEYS);
        this.global = new TokenBucketLimiter(acceptsPerSecond, acceptBurst, 1);
    }

    /**
     * Admits a new connection (counting it as open) or says why not. Every admitted connection must
     * be {@link #release}d when it closes.
     */
    public Rejection admit(InetAddress address) {
        if (draining) {
            return new Rejection(503, "draining", drainRetryAfterSeconds);
        }
        final long now = System.nanoTime();
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            return new Rejection(503, "server full", 1);
        }
        long waitNs = address == null ? 0 : perAddress.tryAcquire(address, now);
        if (waitNs > 0) {
            open.decrementAndGet();
            return new Rejection(429, "too many new connections from this address", seconds(waitNs));
        }
        waitNs = global.tryAcquire(GLOBAL, now);
        if (waitNs > 0) {
            open.decrementAndGet();
            return new Rejection(503, "accept rate exceeded", seconds(waitNs));
        }
        return null;
    }

    /**
     * While draining, the refusal for a new session on a connection admitted before the drain (an
     * HTTP/2 stream, a keep-alive request); null otherwise.
     */
    public Rejection drainingRejection() {
        return draining ? new Rejection(503, "draining", drainRetryAfterSeconds) : null;
    }

    /** An admitted connection closed. */
    public void release() {
        open.decrementAndGet();
    }

    /** From now on refuse every new connection with 503 and this Retry-After. */
    public void startDraining(long retryAfterSeconds) {
        drainRetryAfterSeconds = Math.max(1, retryAfterSeconds);
        draining = true;
    }

    /** Connections admitted and not yet closed. */
    public int openConnections() {
        return open.get();
    }

    private static long seconds(long ns) {
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(ns) + 1);
    }
}
