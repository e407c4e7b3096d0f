package io.tickfan.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The registry a drain reaches sessions through: every session told once, delays spread over the window. */
class SessionRegistryTest {
    /** A session that records what it was told, on an executor that runs tasks at once. */
    private static class Recorded implements Drainable {
        final List<Long> restarts = new ArrayList<>();
        int goAways;
        final TransportKind transport;
        long written;

        Recorded() {
            this(TransportKind.WEBSOCKET);
        }

        Recorded(TransportKind transport) {
            this.transport = transport;
        }

        @Override
        public TransportKind transport() {
            return transport;
        }

        @Override
        public int subscriptions() {
            return 3;
        }

        @Override
        public long ticksWritten() {
            return written;
        }

        @Override
        public long batchesWritten() {
            return written / 2;
        }

        @Override
        public long tickBytesWritten() {
            return written * 100;
        }

        @Override
        public long ticksConflatedAway() {
            return written / 5;
        }

        @Override
        public EventExecutor executor() {
            return ImmediateEventExecutor.INSTANCE;
        }

        @Override
        public void restart(long retryMs) {
            restarts.add(retryMs);
        }

        @Override
        public void goAway() {
            goAways++;
        }
    }

    @Test
    void shouldTellEverySessionOnceWithADelayDrawnFromTheWindow() {
        final SessionRegistry registry = new SessionRegistry();
        final List<Recorded> sessions = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            final Recorded s = new Recorded();
            sessions.add(s);
            registry.add(s);
        }
        assertEquals(200, registry.restartAll(10_000));
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (Recorded s : sessions) {
            assertEquals(1, s.restarts.size());
            final long d = s.restarts.get(0);
            assertTrue(d >= 0 && d < 10_000, "within [0, window): " + d);
            min = Math.min(min, d);
            max = Math.max(max, d);
        }
        // 200 uniform draws over 10 s: a spread under 5 s has a probability below 1e-50.
        assertTrue(max - min > 5_000, "spread out: " + min + ".." + max);
    }

    @Test
    void shouldCountEachDelayFromTheDropNotFromTheSessionsClose() {
        // The loop reaches the sessions 6 s after the drop: each is told its drawn moment less those
        // 6 s, so the clients still come back within the 10 s window, not up to 16 s after the drop.
        final EmbeddedChannel loop = new EmbeddedChannel();
        final SessionRegistry registry = new SessionRegistry();
        final List<Recorded> sessions = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            final Recorded s = new Recorded() {
                @Override
                public EventExecutor executor() {
                    return loop.eventLoop();
                }
            };
            sessions.add(s);
            registry.add(s);
        }
        final long[] nowNs = {1_000_000_000L};
        assertEquals(200, registry.restartAll(10_000, () -> nowNs[0]));
        nowNs[0] += 6_000_000_000L;
        loop.runPendingTasks();
        int atOnce = 0;
        long max = 0;
        for (Recorded s : sessions) {
            assertEquals(1, s.restarts.size());
            final long d = s.restarts.get(0);
            assertTrue(d >= 0 && d < 4_000, "within what is left of the window: " + d);
            atOnce += d == 0 ? 1 : 0;
            max = Math.max(max, d);
        }
        // About 60% drew a moment that had passed; 200 draws make under 80 or over 160 vanishingly rare.
        assertTrue(atOnce > 80 && atOnce < 160, "told to come back at once: " + atOnce);
        assertTrue(max > 2_000, "the rest still spread: " + max);
        loop.finishAndReleaseAll();
    }

    @Test
    void shouldCountSessionsAndTicksByTransportIncludingClosedOnes() {
        final SessionRegistry registry = new SessionRegistry();
        final Recorded ws = new Recorded(TransportKind.WEBSOCKET);
        final Recorded sse = new Recorded(TransportKind.SSE_HTTP2);
        final Recorded gone = new Recorded(TransportKind.SSE_HTTP2);
        registry.add(ws);
        registry.add(sse);
        registry.add(gone);
        ws.written = 10;
        sse.written = 20;
        gone.written = 5;
        registry.remove(gone);
        registry.remove(gone); // a second close counts nothing again
        gone.written = 99;
        final java.util.Map<TransportKind, SessionRegistry.TransportStats> by =
                new java.util.EnumMap<>(TransportKind.class);
        registry.statsByTransport().forEach(s -> by.put(s.transport(), s));
        assertEquals(
                new SessionRegistry.TransportStats(TransportKind.WEBSOCKET, 1, 1, 3, 10, 5, 1000, 2),
                by.get(TransportKind.WEBSOCKET));
        assertEquals(
                new SessionRegistry.TransportStats(TransportKind.SSE_HTTP2, 1, 2, 3, 25, 12, 2500, 5),
                by.get(TransportKind.SSE_HTTP2));
        assertEquals(
                new SessionRegistry.TransportStats(TransportKind.POLL, 0, 0, 0, 0, 0, 0, 0),
                by.get(TransportKind.POLL));
    }

    @Test
    void shouldRestartAtOnceWithAZeroWindow() {
        final SessionRegistry registry = new SessionRegistry();
        final Recorded s = new Recorded();
        registry.add(s);
        registry.restartAll(0);
        assertEquals(List.of(0L), s.restarts);
    }

    @Test
    void shouldReachOnlyRegisteredSessions() {
        final SessionRegistry registry = new SessionRegistry();
        final Recorded stays = new Recorded();
        final Recorded left = new Recorded();
        registry.add(stays);
        registry.add(left);
        registry.remove(left);
        assertEquals(1, registry.size());
        registry.goAwayAll();
        assertEquals(1, stays.goAways);
        assertEquals(0, left.goAways);
        assertEquals(1, registry.restartAll(1_000));
        assertTrue(left.restarts.isEmpty());
    }
}
