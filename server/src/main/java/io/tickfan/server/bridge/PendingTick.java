package io.tickfan.server.bridge;

import io.tickfan.protocol.Tick;

/**
 * A published tick waiting for Redis in a {@link StreamWriter}; {@code tick} is the writer's own
 * copy (ingest time included).
 */
final class PendingTick {
    final int symbolId;
    final String symbol;
    final Tick tick;
    /**
     * Handed to this pod's ring already: degraded mode can end and begin again before Redis
     * answers (a flapping connection), and a tick must reach the local ring once.
     */
    boolean deliveredHere;

    PendingTick(int symbolId, String symbol, Tick tick) {
        this.symbolId = symbolId;
        this.symbol = symbol;
        this.tick = tick;
    }

    /** The seq the publisher gave it (0: none), by which Redis drops a publisher's retries. */
    long publisherSeq() {
        return tick.seq;
    }
}
