package io.tickfan.client;

import java.util.concurrent.ThreadLocalRandom;

/**
 * How long a client waits before reconnect attempt {@code attempt} (0 for the first attempt after a
 * drop). Implementations must be thread-safe: many clients share one policy.
 */
@FunctionalInterface
public interface Backoff {
    /** Defaults of {@link #exponential()}. */
    long DEFAULT_MIN_MS = 200;

    long DEFAULT_MAX_MS = 30_000;
    double DEFAULT_FACTOR = 2.0;
    double DEFAULT_JITTER = 0.5;

    /** The delay before attempt {@code attempt}, in milliseconds. */
    long delayMs(int attempt);

    /**
     * Reconnect at once, forever: the client that melts a server during a storm. For drills only.
     */
    static Backoff none() {
        return attempt -> 0;
    }

    /** Jittered exponential with the defaults: 200 ms, doubling, capped at 30 s, +/-50%. */
    static Backoff exponential() {
        return exponential(DEFAULT_MIN_MS, DEFAULT_MAX_MS, DEFAULT_FACTOR, DEFAULT_JITTER);
    }

    /**
     * {@code min(maxMs, minMs * factor^attempt)}, then spread uniformly by {@code +/- jitter} of
     * itself, so a crowd dropped at one instant does not come back at one instant.
     *
     * @throws IllegalArgumentException for a negative delay, a factor below 1 or a jitter outside
     *     [0, 1]
     */
    static Backoff exponential(long minMs, long maxMs, double factor, double jitter) {
        if (minMs < 0 || maxMs < minMs) {
            throw new IllegalArgumentException("need 0 <= min <= max, got min " + minMs + " max " + maxMs);
        }
        if (factor < 1.0) {
            throw new IllegalArgumentException("factor must be >= 1, got " + factor);
        }
        if (jitter < 0.0 || jitter > 1.0) {
            throw new IllegalArgumentException("jitter must be within [0, 1], got " + jitter);
        }
        return attempt -> {
            final double base = Math.min((double) maxMs, minMs * Math.pow(factor, Math.max(0, attempt)));
            final double spread =
                    jitter == 0.0 ? 0.0 : ThreadLocalRandom.current().nextDouble(-jitter, jitter);
            return Math.round(base * (1.0 + spread));
        };
    }
}
