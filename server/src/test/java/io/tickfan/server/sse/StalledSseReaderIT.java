package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 clients that stop reading their connection, with default settings (read receipts every
 * 500 ms) and default socket buffers on loopback at 200 ticks/s: the connection's unanswered PING (its read receipt) conflates
 * every SSE stream on it within about {@code outbound.readReceiptMs} plus {@code
 * outbound.lagConflateMs}, the streams are closed {@code outbound.slowConsumerTimeoutMs} later, and
 * a connection that still reads nothing is reset after them. Streams of a healthy connection get
 * every tick, none conflated.
 */
@Tag("fault")
class StalledSseReaderIT {
    private static final String SYMBOL = "SSESTALL";
    private static final int STREAMS = 3;
    private static final int TICKS_PER_SECOND = 200;
    /** Read receipt interval plus lag allowance (1.5 s by default), with room for a loaded CI machine. */
    private static final long CONFLATED_WITHIN_MS = 2_500;

    @Test
    void shouldConflateThenCloseStreamsOfAnHttp2ConnectionThatStopsReading() throws Exception {
        final ServerConfig config = TickfanServerExtension.testDefaults();
        assertEquals(500, config.longValue(ServerConfig.READ_RECEIPT_MS), "read receipts are on by default");
        final long timeoutMs = config.longValue(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS);
        final long resetAfterMs = config.longValue(ServerConfig.READ_RECEIPT_MS)
                + config.longValue(ServerConfig.LAG_CONFLATE_MS)
                + timeoutMs
                + Http2ReadReceipts.CLOSE_GRACE_MS;
        final String token = TestTokens.valid();
        try (TickfanServer server = TickfanServer.start(config);
                H2TestClient healthyConnection = new H2TestClient(server.port());
                H2TestClient stalledConnection = new H2TestClient(server.port());
                H2TestClient goneConnection = new H2TestClient(server.port())) {
            final List<H2TestClient.Stream> healthy = new ArrayList<>();
            final List<H2TestClient.Stream> stalled = new ArrayList<>();
            for (int i = 0; i < STREAMS; i++) {
                healthy.add(healthyConnection.get("/sse?symbols=" + SYMBOL, token, true));
                stalled.add(stalledConnection.get("/sse?symbols=" + SYMBOL, token, true));
            }
            final H2TestClient.Stream gone = goneConnection.get("/sse?symbols=" + SYMBOL, token, true);
            // Seq 1 reaching every stream proves each is subscribed: from here on none misses a tick.
            TestTicks.publishNoWait(server, SYMBOL, 1);
            final List<H2TestClient.Stream> all = new ArrayList<>(healthy);
            all.addAll(stalled);
            all.add(gone);
            for (H2TestClient.Stream s : all) {
                final SseEvent first = s.nextTick(TestTicks.WAIT_MS);
                assertNotNull(first, "every stream is open and subscribed");
                assertEquals(1, first.tick().seq);
            }
            stalledConnection.reading(false);
            goneConnection.reading(false);

            final Counters counters = server.engine().counters();
            final long closesBefore = counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES);
            final long startNs = System.nanoTime();
            final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(timeoutMs + 15_000);
            int published = 1;
            while (counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES) - closesBefore < STREAMS + 1) {
                assertTrue(
                        System.nanoTime() < deadlineNs,
                        "stalled streams closed: "
                                + (counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES) - closesBefore) + "/"
                                + (STREAMS + 1) + " after " + published + " ticks");
                TestTicks.publishNoWait(server, SYMBOL, 1);
                published++;
                final long nextNs = startNs + (published - 1) * (1_000_000_000L / TICKS_PER_SECOND);
                final long sleepNs = nextNs - System.nanoTime();
                if (sleepNs > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleepNs);
                }
            }
            final long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);

            for (H2TestClient.Stream s : healthy) {
                for (long seq = 2; seq <= published; seq++) {
                    final SseEvent e = s.nextTick(TestTicks.WAIT_MS);
                    assertNotNull(e, "healthy stream missed seq " + seq);
                    final Tick t = e.tick();
                    assertEquals(seq, t.seq);
                    assertFalse(t.isConflated(), "a healthy stream is never conflated: seq " + seq);
                }
            }

            // Reading again: what each stalled stream got is a gap-free prefix, written before it was
            // conflated, then the stream's reset.
            stalledConnection.reading(true);
            final List<Long> seen = new ArrayList<>();
            for (H2TestClient.Stream s : stalled) {
                TestTicks.await(() -> s.ended);
                long seq = 1;
                SseEvent e;
                while ((e = s.nextTick(0)) != null) {
                    assertEquals(++seq, e.tick().seq, "no gap and nothing conflated before the reset");
                }
                seen.add(seq - 1);
                assertTrue(
                        seq - 1 <= CONFLATED_WITHIN_MS * TICKS_PER_SECOND / 1000,
                        "conflated within " + CONFLATED_WITHIN_MS + " ms of the stall: written " + (seq - 1)
                                + " ticks after it");
            }
            System.out.printf(
                    "StalledSseReaderIT: %d streams of stalled HTTP/2 connections closed %d ms after the stall"
                            + " (%d ticks, timeout %d ms); ticks each stalled stream got after the stall: %s%n",
                    STREAMS + 1, closedAfterMs, published, timeoutMs, seen);
            assertTrue(
                    closedAfterMs <= CONFLATED_WITHIN_MS + timeoutMs + 1_000,
                    "closed within the conflation delay plus the timeout: " + closedAfterMs + " ms");

            // The connection that never reads again is reset once its PING is past the streams'
            // timeout: reading now meets the reset (were it open, it would answer the PING and stay).
            final long waitNs = startNs + TimeUnit.MILLISECONDS.toNanos(resetAfterMs + 1_000) - System.nanoTime();
            if (waitNs > 0) {
                TimeUnit.NANOSECONDS.sleep(waitNs);
            }
            goneConnection.reading(true);
            TestTicks.await(() -> !goneConnection.isOpen());
            assertTrue(healthyConnection.isOpen());
        }
    }
}
