package io.tickfan.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.tickfan.protocol.ClientMessageEncoder;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.session.SessionRegistry;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The io_uring write path ({@link UringWriter}, {@link UringGate}) on a real io_uring server with
 * real clients: ticks submitted straight from the shared frames, in order with what the pipeline
 * writes meanwhile (acks, pongs), batches longer than one submission's iovecs, and what a reader
 * that pauses leaves in the kernel (partial writes and EAGAIN: the rest through Netty's buffer),
 * with nothing lost, repeated or reordered.
 */
class UringWriterIT {
    private static final String[] SYMBOLS = {"UA", "UB", "UC"};

    @Test
    void shouldSubmitTicksInOrderWithTheRepliesWrittenMeanwhile() throws Exception {
        // Read receipts on (their pings ride in the submissions, after the ticks), and bounds lenient
        // enough that a slow machine's client lagging in the burst is not conflated: this is about
        // order, not about the slow-consumer policy.
        try (TickfanServer server = TickfanServerExtension.start(c -> c.with(ServerConfig.TRANSPORT, "io_uring")
                        .with(ServerConfig.LAG_CONFLATE_MS, 60_000)
                        .with(ServerConfig.WRITE_HIGH_WATER, 64 << 20));
                TestClient client =
                        TestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), TestTokens.valid())) {
            assertEquals("io_uring", server.transportName());
            client.awaitAck(client.subscribe(SYMBOLS));
            final long before = submissions(server);
            final int perSymbol = 3_000;
            final List<String> pings = new ArrayList<>();
            for (int n = 1; n <= perSymbol; n++) {
                for (String symbol : SYMBOLS) {
                    Ticks.publishWaiting(server, Ticks.numbered(symbol, n));
                }
                if (n % 100 == 0) {
                    pings.add(client.ping()); // its pong goes through the pipeline among the ticks
                }
                if (n % 40 == 0) {
                    // Batches of up to about 120 ticks per connection: longer than a submission's
                    // first iovecs (UringWriter.IOVECS), so the slots grow.
                    TimeUnit.MILLISECONDS.sleep(1);
                }
            }
            for (String symbol : SYMBOLS) {
                assertEquals(perSymbol, client.awaitSeq(symbol, perSymbol).seq);
                final List<Tick> ticks = client.ticks(symbol);
                assertEquals(
                        perSymbol,
                        ticks.size(),
                        () -> symbol + ": every tick once; conflated at "
                                + ticks.stream()
                                        .filter(Tick::isConflated)
                                        .map(t -> t.seq)
                                        .limit(20)
                                        .toList()
                                + ", " + conflatedAway(server) + " conflated away");
                for (int i = 0; i < ticks.size(); i++) {
                    assertEquals(i + 1, ticks.get(i).seq, symbol + ": in order, no gap");
                    assertTrue(!ticks.get(i).isConflated(), symbol + ": nothing conflated");
                }
            }
            for (String ping : pings) {
                assertNotNull(client.awaitPong(ping));
            }
            assertTrue(
                    submissions(server) - before > 0,
                    "the ticks went as io_uring submissions, not through the pipeline only");
            assertEquals(0, conflatedAway(server));
        }
    }

    @Test
    void shouldWriteWhatAPausedReadersKernelDidNotTakeAfterIt() throws Exception {
        // No read receipts and a lenient lag allowance: the pause must end in delivery, not conflation.
        try (TickfanServer server = TickfanServerExtension.start(c -> c.with(ServerConfig.TRANSPORT, "io_uring")
                        .with(ServerConfig.READ_RECEIPT_MS, 0)
                        .with(ServerConfig.LAG_CONFLATE_MS, 60_000)
                        .with(ServerConfig.WRITE_HIGH_WATER, 64 << 20));
                RawWebSocket reader = RawWebSocket.open(server.port(), "/ws", TestTokens.valid(), 4096)) {
            reader.sendText(ClientMessageEncoder.subscribe("s", List.of(SYMBOLS), Map.of(), null, 0));
            assertTrue(reader.awaitText(Duration.ofSeconds(10)).contains("\"ack\""));
            final long before = submissions(server);
            // About 2 MB of ticks while nobody reads: far past the socket buffers of both ends.
            final int perSymbol = 6_000;
            for (int n = 1; n <= perSymbol; n++) {
                for (String symbol : SYMBOLS) {
                    Ticks.publishWaiting(server, Ticks.numbered(symbol, n));
                }
            }
            final Channel channel = server.context().connections.iterator().next();
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            final UringGate gate = channel.pipeline().get(UringGate.class);
            assertNotNull(gate, "an io_uring connection has a gate");
            while (!channel.eventLoop()
                    .submit(() -> gate.busy() || BatchWriter.hasBacklog(channel))
                    .get(5, TimeUnit.SECONDS)) {
                assertTrue(
                        System.nanoTime() < deadline,
                        "the kernel stopped taking bytes: a batch waits in flight, or Netty holds some");
                TimeUnit.MILLISECONDS.sleep(10);
            }
            final long[] seen = new long[SYMBOLS.length];
            final ServerMessageDecoder decoder = new ServerMessageDecoder();
            final ServerMessage m = new ServerMessage();
            int ticks = 0;
            while (ticks < perSymbol * SYMBOLS.length) {
                final RawWebSocket.Frame f = reader.readFrame(Duration.ofSeconds(10));
                assertNotNull(f, "ticks still owed: " + (perSymbol * SYMBOLS.length - ticks));
                if (f.opcode() != RawWebSocket.OP_TEXT) {
                    continue;
                }
                final byte[] json = f.text().getBytes(StandardCharsets.UTF_8);
                decoder.decode(json, 0, json.length, m);
                if (m.type != ServerMessage.Type.TICK) {
                    continue;
                }
                final int s = List.of(SYMBOLS).indexOf(m.tick.symbol);
                assertEquals(seen[s] + 1, m.tick.seq, m.tick.symbol + ": in order, no gap, nothing repeated");
                assertTrue(!m.tick.isConflated());
                seen[s] = m.tick.seq;
                ticks++;
            }
            assertTrue(submissions(server) - before > 0, "the ticks went as io_uring submissions first");
            assertEquals(0, conflatedAway(server));
        }
    }

    /** io_uring submissions made by the server's loops (each loop's writer, read on its loop). */
    private static long submissions(TickfanServer server) throws Exception {
        long total = 0;
        for (Channel c : server.context().connections) {
            total += c.eventLoop()
                    .submit(() -> {
                        final UringWriter w = UringWriter.ofThisLoop(c.eventLoop());
                        return w == null ? 0L : w.submissions();
                    })
                    .get(5, TimeUnit.SECONDS);
        }
        return total;
    }

    private static long conflatedAway(TickfanServer server) {
        return server.context().sessions.statsByTransport().stream()
                .mapToLong(SessionRegistry.TransportStats::ticksConflatedAway)
                .sum();
    }
}
