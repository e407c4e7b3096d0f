package io.tickfan.server.bridge;

import io.lettuce.core.StreamMessage;
import io.tickfan.server.metrics.Counters;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts skipped stream entries and logs the first of each kind, so bad data cannot flood the log. */
final class MalformedLog {
    private static final Logger LOG = LoggerFactory.getLogger(MalformedLog.class);

    private final Counters counters;
    private final AtomicIntegerArray logged = new AtomicIntegerArray(StreamEntries.Malformed.values().length);

    MalformedLog(Counters counters) {
        this.counters = counters;
    }

    void skipped(StreamEntries.Malformed kind, String stream, StreamMessage<String, String> entry) {
        counters.addShared(Counters.Counter.BRIDGE_MALFORMED, 1);
        if (logged.compareAndSet(kind.ordinal(), 0, 1)) {
            LOG.warn(
                    "skipped a stream entry ({}) in {}: id {} fields {}; further entries of this kind are only counted",
                    kind,
                    stream,
                    entry.getId(),
                    entry.getBody());
        }
    }
}
