package io.tickfan.server.bridge;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/** Exponential backoff with full jitter between {@code min} and {@code max}; one thread. */
final class Backoff {
    private final long minNs;
    private final long maxNs;
    private long currentNs;

    Backoff(long minMs, long maxMs) {
        this.minNs = TimeUnit.MILLISECONDS.toNanos(Math.max(1, minMs));
        this.maxNs = Math.max(minNs, TimeUnit.MILLISECONDS.toNanos(maxMs));
        this.currentNs = minNs;
    }

    long nextDelayNs() {
        final long delay = currentNs / 2 + ThreadLocalRandom.current().nextLong(currentNs / 2 + 1);
        currentNs = Math.min(maxNs, currentNs * 2);
        return delay;
    }

    void reset() {
        currentNs = minNs;
    }
}
