package io.tickfan.server.bridge;

import io.lettuce.core.XAddArgs;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Divergence markers a shard's {@link StreamWriter} appends to the stream ("symbol,from,to": seqs
 * this pod handed out while degraded that Redis numbered differently). The sequencer offers, the
 * writer's thread appends, one synchronous XADD each on the control connection: rare (per symbol
 * per outage), and it lands after the ticks it is about, since the sequencer saw those come back.
 */
final class DivergenceMarkers {
    private static final Logger LOG = LoggerFactory.getLogger(DivergenceMarkers.class);

    private final MpscArrayQueue<String> queue = new MpscArrayQueue<>(1024);
    /** Taken off the queue, not appended yet (Redis failed): first on the next attempt. */
    private String pending;

    /**
     * The sequencer thread. Never blocks; a full queue drops the marker, logged (a handful per
     * outage at most: one per symbol published on two pods).
     */
    void offer(String symbol, long from, long to) {
        if (!queue.offer(symbol + "," + from + "," + to)) {
            LOG.warn("divergence marker queue full, {} {}..{} not announced to other pods", symbol, from, to);
        }
    }

    /** Whether markers wait to be taken (any thread). */
    boolean isEmpty() {
        return queue.isEmpty();
    }

    /**
     * The writer's thread: appends the queued markers to {@code stream} under {@code epoch}. A
     * failure keeps the marker for the next attempt.
     *
     * @return markers appended
     */
    int appendTo(RedisLink control, String stream, String epoch, long maxLen) {
        int done = 0;
        while (pending != null || (pending = queue.poll()) != null) {
            try {
                control.sync()
                        .xadd(
                                stream,
                                XAddArgs.Builder.maxlen(maxLen).approximateTrimming(),
                                StreamEntries.EPOCH,
                                epoch,
                                StreamEntries.DIVERGED,
                                pending);
            } catch (RuntimeException e) {
                return done; // Redis is failing again: retried on a later turn
            }
            pending = null;
            done++;
        }
        return done;
    }
}
