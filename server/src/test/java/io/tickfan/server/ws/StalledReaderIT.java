package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.ClientMessageEncoder;
import io.tickfan.protocol.CloseCodes;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Clients that stop reading, with default settings (read receipts every 500 ms) and the kernel's
 * default (autotuned) socket buffers on loopback, at a modest 200 ticks/s (about 30 KB/s, which the kernel's buffers would
 * absorb for tens of seconds: the client's receive buffer grows while nobody reads it). Each is
 * conflated once its read receipt is overdue, within about {@code outbound.readReceiptMs} plus
 * {@code outbound.lagConflateMs} (1.5 s), and closed {@code outbound.slowConsumerTimeoutMs} later,
 * while healthy clients of the same symbol get every tick, none conflated. Without read receipts
 * none of them was closed within 25 s.
 */
@Tag("fault")
class StalledReaderIT {
    private static final int STALLED = 5;
    private static final int HEALTHY = 2;
    private static final int TICKS_PER_SECOND = 200;
    /** Read receipt interval plus lag allowance (1.5 s by default), with room for a loaded CI machine. */
    private static final long CONFLATED_WITHIN_MS = 2_500;

    /**
     * On epoll (the default) and on io_uring, where a stalled reader's batch waits in flight as a
     * submission and the slow-consumer close cancels it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring"})
    void shouldConflateThenCloseStalledReadersWithReadReceipts(String transport) throws Exception {
        final ServerConfig config = TickfanServerExtension.testDefaults().with(ServerConfig.TRANSPORT, transport);
        assertEquals(500, config.longValue(ServerConfig.READ_RECEIPT_MS), "read receipts are on by default");
        final long timeoutMs = config.longValue(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS);
        try (TickfanServer server = TickfanServer.start(config)) {
            final URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
            final List<TestClient> healthy = new ArrayList<>();
            final List<RawWebSocket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < HEALTHY; i++) {
                    final TestClient c = TestClient.connect(uri, TestTokens.valid());
                    healthy.add(c);
                    c.awaitAck(c.subscribe("STALL"));
                }
                for (int i = 0; i < STALLED; i++) {
                    final RawWebSocket s = RawWebSocket.open(server.port(), "/ws", TestTokens.valid());
                    s.sendText(ClientMessageEncoder.subscribe("s", List.of("STALL"), Map.of(), null, 0));
                    s.awaitText(Duration.ofSeconds(10)); // the ack; from here on it reads nothing
                    stalled.add(s);
                }
                final Counters counters = server.engine().counters();
                final long closesBefore = counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES);
                final long startNs = System.nanoTime();
                final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(timeoutMs + 15_000);
                int published = 0;
                while (counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES) - closesBefore < STALLED) {
                    assertTrue(
                            System.nanoTime() < deadlineNs,
                            "stalled readers closed: "
                                    + (counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES) - closesBefore) + "/"
                                    + STALLED + " after " + published + " ticks");
                    publish(server, ++published);
                    final long nextNs = startNs + published * (1_000_000_000L / TICKS_PER_SECOND);
                    final long sleepNs = nextNs - System.nanoTime();
                    if (sleepNs > 0) {
                        TimeUnit.NANOSECONDS.sleep(sleepNs);
                    }
                }
                final long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                // The metrics count what conflation kept from them (one symbol: all but the newest).
                final long conflatedAway = server.context().sessions.statsByTransport().stream()
                        .filter(t -> t.transport() == io.tickfan.server.session.TransportKind.WEBSOCKET)
                        .mapToLong(io.tickfan.server.session.SessionRegistry.TransportStats::ticksConflatedAway)
                        .sum();
                assertTrue(conflatedAway > 0, "conflated ticks counted for the stalled readers: " + conflatedAway);
                for (TestClient c : healthy) {
                    assertEquals(published, c.awaitSeq("STALL", published).seq);
                    assertTrue(
                            c.ticks("STALL").stream().noneMatch(Tick::isConflated),
                            () -> "a healthy reader kept up; conflated: "
                                    + c.ticks("STALL").stream()
                                            .filter(Tick::isConflated)
                                            .map(t -> t.seq)
                                            .toList());
                    assertEquals(published, c.ticks("STALL").size());
                }
                // What a closed slow consumer sees once it reads again: the ticks written before it
                // was conflated (its kernel held them), in order and without a gap, then the 4008
                // close frame, or a reset when the close frame did not fit behind them.
                final List<String> seen = new ArrayList<>();
                for (RawWebSocket s : stalled) {
                    final Seen r = readUntilEnd(s);
                    seen.add(r.ticks() + " ticks then " + (r.closeCode() == -1 ? "reset/EOF" : r.closeCode()));
                    assertTrue(
                            r.closeCode() == -1 || r.closeCode() == CloseCodes.SLOW_CONSUMER,
                            "close code " + r.closeCode());
                    assertTrue(
                            r.ticks() <= CONFLATED_WITHIN_MS * TICKS_PER_SECOND / 1000,
                            "conflated within " + CONFLATED_WITHIN_MS + " ms of the stall: written " + r.ticks()
                                    + " ticks before conflating");
                }
                System.out.printf(
                        "StalledReaderIT: %d stalled readers closed %d ms after the stall (%d ticks, timeout %d ms);"
                                + " each saw %s%n",
                        STALLED, closedAfterMs, published, timeoutMs, seen);
                assertTrue(
                        closedAfterMs <= CONFLATED_WITHIN_MS + timeoutMs + 1_000,
                        "closed within the conflation delay plus the timeout: " + closedAfterMs + " ms");
            } finally {
                stalled.forEach(RawWebSocket::close);
                healthy.forEach(TestClient::close);
            }
        }
    }

    /**
     * A client that reads everything but never answers a ping (RFC 6455 says it must; a hand-written
     * client may not) is not judged by read receipts: it gets every tick, none conflated, and stays
     * connected, as with receipts off.
     */
    @Test
    void shouldLeaveAClientThatNeverAnswersPingsToTheByteSignals() throws Exception {
        try (TickfanServer server = TickfanServer.start(TickfanServerExtension.testDefaults())) {
            final RawWebSocket silent = RawWebSocket.open(server.port(), "/ws", TestTokens.valid());
            try {
                silent.answerPings = false;
                silent.sendText(ClientMessageEncoder.subscribe("s", List.of("STALL"), Map.of(), null, 0));
                silent.awaitText(Duration.ofSeconds(10));
                final int total = TICKS_PER_SECOND * 4; // 4 s: well past the receipt interval plus allowance
                final long startNs = System.nanoTime();
                final Thread publisher = new Thread(() -> {
                    for (int n = 1; n <= total; n++) {
                        publish(server, n);
                        final long sleepNs = startNs + n * (1_000_000_000L / TICKS_PER_SECOND) - System.nanoTime();
                        if (sleepNs > 0) {
                            try {
                                TimeUnit.NANOSECONDS.sleep(sleepNs);
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }
                });
                publisher.start();
                long seq = 0;
                int pings = 0;
                while (seq < total) {
                    final RawWebSocket.Frame f = silent.readFrame(Duration.ofSeconds(10));
                    assertTrue(f != null && f.opcode() != RawWebSocket.OP_CLOSE, "still connected after seq " + seq);
                    if (f.opcode() == RawWebSocket.OP_PING) {
                        pings++;
                    } else if (f.opcode() == RawWebSocket.OP_TEXT && f.text().contains("\"type\":\"tick\"")) {
                        final long next = seqOf(f.text());
                        final long previous = seq;
                        assertEquals(previous + 1, next, () -> "every tick in order: " + f.text());
                        assertTrue(!f.text().contains("\"cf\":true"), () -> "not conflated: " + f.text());
                        seq = next;
                    }
                }
                publisher.join();
                assertTrue(pings >= 2, "the server asked for receipts (" + pings + " pings) and got no answer");
                assertEquals(
                        0,
                        server.engine().counters().get(Counters.Counter.SLOW_CONSUMER_CLOSES),
                        "not closed as a slow consumer");
            } finally {
                silent.close();
            }
        }
    }

    private record Seen(long ticks, int closeCode) {}

    /** Reads what the server left for a stalled reader: gap-free ticks, then a close frame or the end. */
    private static Seen readUntilEnd(RawWebSocket s) {
        // The pings among the ticks are left unanswered: a pong to a server that has closed draws a
        // reset, and the next pong's write error would end this reader before the close frame.
        s.answerPings = false;
        long seq = 0;
        long ticks = 0;
        while (true) {
            final RawWebSocket.Frame f;
            try {
                f = s.readFrame(Duration.ofSeconds(10));
            } catch (RuntimeException reset) {
                return new Seen(ticks, -1); // a reset: the close frame did not fit
            }
            if (f == null) {
                return new Seen(ticks, -1);
            }
            if (f.opcode() == RawWebSocket.OP_CLOSE) {
                assertTrue(s.awaitEndOfStream(Duration.ofSeconds(10)));
                return new Seen(ticks, f.closeCode());
            }
            final String text = f.text();
            if (text.contains("\"type\":\"tick\"")) {
                final long next = seqOf(text);
                assertEquals(seq + 1, next, () -> "no gap and nothing conflated before the close: " + text);
                seq = next;
                ticks++;
            }
        }
    }

    private static long seqOf(String json) {
        final int at = json.indexOf("\"seq\":") + 6;
        int end = at;
        while (Character.isDigit(json.charAt(end))) {
            end++;
        }
        return Long.parseLong(json.substring(at, end));
    }

    private static void publish(TickfanServer server, int n) {
        final Tick t = new Tick();
        t.symbol = "STALL";
        t.exchangeTimeNs = EpochNanos.now();
        t.bid = Decimals.ofUnits(100 + n % 100);
        t.ask = Decimals.ofUnits(101 + n % 100);
        t.bidSize = Decimals.ofUnits(n);
        t.fieldMask = Tick.BID | Tick.ASK | Tick.BID_SIZE;
        while (server.engine().publish(t) == IngestRing.BACK_PRESSURED) {
            Thread.onSpinWait();
        }
    }
}
