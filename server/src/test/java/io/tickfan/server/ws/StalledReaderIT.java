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
import io.tickfan.server.fanout.Counters;
import io.tickfan.server.fanout.IngestRing;
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

/**
 * Clients that stop reading, with the kernel's default (autotuned) socket buffers on loopback, at a
 * modest 200 ticks/s: each is conflated once its read receipt is overdue and then closed {@code
 * outbound.slowConsumerTimeoutMs} later, while a healthy client of the same symbol gets every tick.
 * Before the read receipts, the kernel buffers absorbed hundreds of kilobytes per connection first
 * (the backlog reached the server after about 20 s at this rate) and none was closed within 25 s.
 */
@Tag("fault")
class StalledReaderIT {
    private static final int STALLED = 5;
    private static final int TICKS_PER_SECOND = 200;
    private static final long TIMEOUT_MS = 3_000;

    @Test
    void shouldConflateThenCloseStalledReadersWithDefaultBuffers() throws Exception {
        try (TickfanServer server =
                        TickfanServerExtension.start(c -> c.with(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS, TIMEOUT_MS)
                                // Room for the healthy reader starved of CPU on a shared CI machine.
                                .with(ServerConfig.LAG_CONFLATE_MS, 2_000)
                                .with(ServerConfig.READ_RECEIPT_MS, 500));
                TestClient healthy =
                        TestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), TestTokens.valid())) {
            healthy.awaitAck(healthy.subscribe("STALL"));
            final List<RawWebSocket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < STALLED; i++) {
                    final RawWebSocket s = RawWebSocket.open(server.port(), "/ws", TestTokens.valid());
                    s.sendText(ClientMessageEncoder.subscribe("s", List.of("STALL"), Map.of(), null, 0));
                    s.awaitText(Duration.ofSeconds(10)); // the ack; from here on it reads nothing
                    stalled.add(s);
                }
                final Counters counters = server.engine().counters();
                final long closesBefore = counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES);
                // 200 ticks/s of about 150 bytes: 30 KB/s, far below what the default buffers hold
                // in the 25 s given. The server must judge the readers by age, not by bytes.
                final long startNs = System.nanoTime();
                final long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(25);
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
                final long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                System.out.printf(
                        "StalledReaderIT: %d stalled readers closed after %d ms (%d ticks)%n",
                        STALLED, elapsedMs, published);
                assertEquals(published, healthy.awaitSeq("STALL", published).seq);
                assertTrue(
                        healthy.ticks("STALL").stream().noneMatch(Tick::isConflated),
                        () -> "the healthy reader kept up; conflated: "
                                + healthy.ticks("STALL").stream()
                                        .filter(Tick::isConflated)
                                        .map(t -> t.seq)
                                        .toList());
                assertEquals(published, healthy.ticks("STALL").size());
                // What a closed slow consumer sees once it reads again: the ticks the kernel held,
                // in order and without a gap, then the 4008 close frame or a reset.
                for (RawWebSocket s : stalled) {
                    long seq = 0;
                    int close = -1;
                    while (true) {
                        final RawWebSocket.Frame f;
                        try {
                            f = s.readFrame(Duration.ofSeconds(10));
                        } catch (RuntimeException reset) {
                            break; // a reset: the close frame did not fit
                        }
                        if (f == null) {
                            break;
                        }
                        if (f.opcode() == RawWebSocket.OP_CLOSE) {
                            close = f.closeCode();
                            break;
                        }
                        final String text = f.text();
                        if (text.contains("\"type\":\"tick\"")) {
                            final long next = seqOf(text);
                            assertTrue(
                                    next == seq + 1 || text.contains("\"cf\":true"),
                                    "no silent gap: " + seq + " then " + text);
                            seq = next;
                        }
                    }
                    assertTrue(close == -1 || close == CloseCodes.SLOW_CONSUMER, "close code " + close);
                    assertTrue(s.awaitEndOfStream(Duration.ofSeconds(10)));
                }
            } finally {
                stalled.forEach(RawWebSocket::close);
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
