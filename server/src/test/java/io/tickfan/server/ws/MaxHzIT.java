package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.ClientMessageEncoder;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code maxHz}: at most that many updates per second per symbol, always ending on the latest value. */
class MaxHzIT {
    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension();

    @Test
    void shouldLimitUpdatesPerSecondAndAlwaysDeliverTheLatestValue() throws Exception {
        final ScheduledExecutorService feed = Executors.newSingleThreadScheduledExecutor();
        try (TestClient limited = server.connect(TestTokens.valid());
                TestClient full = server.connect(TestTokens.valid())) {
            limited.send(ClientMessageEncoder.subscribe("m", List.of("HZ"), Map.of(), null, 4));
            limited.awaitAck("m");
            full.awaitAck(full.subscribe("HZ"));
            // 150 ticks at 100 per second: 1.5 s of updates.
            final AtomicInteger published = new AtomicInteger();
            feed.scheduleAtFixedRate(
                    () -> {
                        if (published.get() < 150) {
                            final Tick t = new Tick();
                            t.symbol = "HZ";
                            t.exchangeTimeNs = EpochNanos.now();
                            t.last = Decimals.ofUnits(published.incrementAndGet());
                            t.fieldMask = Tick.LAST;
                            server.publish(t);
                        }
                    },
                    0,
                    10,
                    TimeUnit.MILLISECONDS);
            full.awaitSeq("HZ", 150);
            final Tick last = limited.await(
                            r -> r.isTickOf("HZ") && r.tick().seq == 150, "HZ seq 150", Duration.ofSeconds(5))
                    .tick();
            assertEquals(Decimals.ofUnits(150), last.last, "the limited client ends on the latest value");
            final int got = limited.ticks("HZ").size();
            // 1.5 s at 4 per second is 6 slots; allow the first tick and timing slack, far below 150.
            assertTrue(got >= 3 && got <= 10, "4 Hz over ~1.5 s, got " + got + ": " + limited.describeTicks("HZ"));
            assertEquals(150, full.ticks("HZ").size(), "an unlimited subscriber still gets every tick");
        } finally {
            feed.shutdownNow();
        }
    }
}
