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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SSE over h2c through the connection-level tick writer ({@link Http2TickWriter}), with a real
 * HTTP/2 client (Netty's codec, {@link H2TestClient}): many streams of one connection, and one
 * stream whose window closes while the others go on.
 */
class Http2TickBatchIT {
    private static final long WAIT_MS = TestTicks.WAIT_MS;
    private static TickfanServer server;
    private static String token;

    @BeforeAll
    static void start() throws Exception {
        // What is tested is every tick in order through the connection-level writer, not how soon a
        // reader that falls behind is conflated: a loaded CI machine can starve the test client's
        // loop for a second (its PING answers and reads wait), which the defaults rightly conflate.
        server = TickfanServerExtension.start(
                c -> c.with(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS, 20_000).with(ServerConfig.LAG_CONFLATE_MS, 5_000));
        token = TestTokens.valid();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void shouldDeliverEveryTickInOrderToManyStreamsOfOneConnection() throws Exception {
        final String symbol = "H2MANY";
        final int streams = 60;
        final int ticks = 3_000; // ~650 KB per stream
        final long writtenBefore = server.engine().counters().get(Counters.Counter.DELIVERIES);
        try (H2TestClient client = new H2TestClient(server.port())) {
            final List<H2TestClient.Stream> all = new ArrayList<>();
            for (int i = 0; i < streams; i++) {
                all.add(client.get("/sse?symbols=" + symbol, token, true));
            }
            for (H2TestClient.Stream s : all) {
                assertNotNull(s.nextEvent(WAIT_MS), "stream open and subscribed");
            }
            // 200 at a time as the client takes them (~43 KB per stream, 2.6 MB for the
            // connection): within its windows (256 KiB per stream, 16 MiB for the connection),
            // which its reads refill; a burst past them would lag, as it should.
            for (int from = 1; from <= ticks; from += 200) {
                TestTicks.publishNoWait(server, symbol, 200);
                for (int i = 0; i < streams; i++) {
                    final H2TestClient.Stream s = all.get(i);
                    for (long seq = from; seq < from + 200; seq++) {
                        final SseEvent e = s.nextTick(WAIT_MS);
                        assertNotNull(e, "stream " + i + " stalled before seq " + seq);
                        final Tick t = e.tick();
                        assertEquals(seq, t.seq, "stream " + i);
                        assertFalse(t.isConflated(), "stream " + i + " reads: never conflated");
                    }
                }
            }
            assertTrue(client.isOpen());
        }
        // A loop adds its deliveries to the counter after the batch's writes: the client may have
        // read the last ones a moment before they are counted.
        SseIT.awaitTrue(() ->
                server.engine().counters().get(Counters.Counter.DELIVERIES) - writtenBefore >= (long) streams * ticks);
    }

    @Test
    void shouldHoldBackOnlyTheStreamWhoseWindowClosedAndConflateItUntilItReadsAgain() throws Exception {
        final String symbol = "H2WINDOW";
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream stalled = client.get("/sse?symbols=" + symbol, token, false);
            final List<H2TestClient.Stream> healthy = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                healthy.add(client.get("/sse?symbols=" + symbol, token, true));
            }
            for (H2TestClient.Stream s : healthy) {
                assertNotNull(s.nextEvent(WAIT_MS), "healthy stream open");
            }
            // 4,000 ticks of ~215 bytes, 100 at a time as the healthy readers take them: far past
            // the stalled stream's 256 KiB window.
            long seq = 0;
            for (int chunk = 0; chunk < 40; chunk++) {
                TestTicks.publishNoWait(server, symbol, 100);
                for (int i = 0; i < 100; i++) {
                    seq++;
                    for (H2TestClient.Stream s : healthy) {
                        final SseEvent e = s.nextTick(WAIT_MS);
                        assertNotNull(e, "a healthy stream stalled at seq " + seq);
                        assertEquals(seq, e.tick().seq);
                        assertFalse(e.tick().isConflated(), "healthy streams are never conflated");
                    }
                }
            }
            // The stalled stream reads again: a gap-free prefix (what its window and the bytes
            // waiting for it held), then the latest tick flagged as conflated, then live ticks.
            stalled.channel.eventLoop().submit(stalled::resumeReading).sync();
            long expected = 0;
            Tick t;
            while (true) {
                final SseEvent e = stalled.nextTick(WAIT_MS);
                assertNotNull(e, "the stalled stream got its ticks after " + expected);
                t = e.tick();
                if (t.isConflated()) {
                    break;
                }
                assertEquals(++expected, t.seq, "in order until the conflated one");
            }
            assertTrue(expected > 1000 && expected < 4000, "its window held part of the ticks: " + expected);
            assertEquals(4000, t.seq, "the latest, flagged");
            TestTicks.publishNoWait(server, symbol, 10);
            for (long s = 4001; s <= 4010; s++) {
                final Tick live = stalled.nextTick(WAIT_MS).tick();
                assertEquals(s, live.seq);
                assertFalse(live.isConflated(), "live again");
            }
            assertFalse(stalled.ended, "conflated, not closed");
            assertTrue(client.isOpen());
        }
    }
}
