package io.tickfan.server.metrics;

import static org.junit.jupiter.api.Assertions.assertNull;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.testing.TickfanServerExtension;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * A closed server leaves nothing of itself reachable: its engine (with its direct-memory ingest
 * ring and history) becomes garbage. Servers started and closed in one process (tests, embedding)
 * must not add up; the JVM metrics' registration once kept every server's registry, and through it
 * the server, for good.
 */
class ClosedServerIsReleasedIT {

    @Test
    void shouldLeaveNothingOfAClosedServerReachable() throws Exception {
        final WeakReference<FanoutEngine> engine = startScrapeAndClose();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        final List<byte[]> pressure = new ArrayList<>();
        while (engine.get() != null && System.nanoTime() < deadline) {
            System.gc();
            pressure.add(new byte[1 << 20]);
            if (pressure.size() > 64) {
                pressure.clear();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // poll, with the deadline above
        }
        assertNull(engine.get(), "the closed server's engine is still reachable");
    }

    private static WeakReference<FanoutEngine> startScrapeAndClose() throws Exception {
        try (TickfanServer server = TickfanServerExtension.start(c -> c)) {
            server.context().metrics().scrape(null);
            return new WeakReference<>(server.engine());
        }
    }
}
