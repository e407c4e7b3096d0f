package io.tickfan.server.bridge;

import io.lettuce.core.RedisFuture;
import java.util.ArrayDeque;

/**
 * Ticks a {@link StreamWriter} sends as one {@code EVALSHA} of {@link AppendScript}, under a batch
 * number Redis applies once per writer (so resending is safe). Kept, after Redis applied it, by the
 * {@link ResendWindow} until this pod's reader read it back and a while after.
 */
final class AppendBatch {
    final long number;
    final ArrayDeque<PendingTick> ticks;
    /** The append in flight (the writer's thread). */
    RedisFuture<Long> result;

    long sentNs;
    long readBackNs;

    AppendBatch(long number, ArrayDeque<PendingTick> ticks) {
        this.number = number;
        this.ticks = ticks;
    }
}
