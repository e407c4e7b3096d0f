package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.CloseCodes;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each bad input gets an {@code error} reply (the connection stays usable) or its documented
 * close code, and two bystanders (one per event loop of this 2-loop server) keep receiving every
 * tick published before, during and after it.
 */
@Tag("fault")
class WebSocketBadInputIT {
    private static final int MAX_FRAME = 4096;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension()
            .with(ServerConfig.IO_THREADS, 2)
            .with(ServerConfig.WS_MAX_FRAME_BYTES, MAX_FRAME)
            .with(ServerConfig.MAX_SYMBOLS_PER_MESSAGE, 10)
            .with(ServerConfig.MAX_SUBSCRIPTIONS, 20);

    private static final AtomicInteger SYMBOLS = new AtomicInteger();

    @FunctionalInterface
    interface Fault {
        void run() throws Exception;
    }

    /**
     * Runs {@code fault} between two bursts of ticks and checks that bystanders, live before the
     * fault, got every tick after it exactly once and in order.
     */
    private static void assertBystandersUnaffected(Fault fault) throws Exception {
        final String sym = "BY." + SYMBOLS.incrementAndGet();
        try (TestClient first = server.connect(TestTokens.valid());
                TestClient second = server.connect(TestTokens.valid())) {
            server.subscribeLive(first, sym);
            server.subscribeLive(second, sym);
            for (int i = 1; i <= 5; i++) {
                server.publish(Ticks.numbered(sym, i));
            }
            first.awaitSeq(sym, 5);
            second.awaitSeq(sym, 5);
            fault.run();
            for (int i = 6; i <= 10; i++) {
                server.publish(Ticks.numbered(sym, i));
            }
            for (TestClient bystander : List.of(first, second)) {
                bystander.awaitSeq(sym, 10);
                assertEquals(
                        Ticks.range(1, 10),
                        Ticks.seqs(bystander.ticks(sym)),
                        () -> "bystander lost or repeated ticks: " + bystander.describeTicks(sym));
                bystander.awaitPong(bystander.ping());
                assertTrue(!bystander.isClosed());
            }
        }
    }

    private static RawWebSocket openRaw() {
        return RawWebSocket.open(server.port(), "/ws", TestTokens.valid());
    }

    /** Sends bytes on a fresh raw connection and expects the close code, then the end of the connection. */
    private static void assertClosedWith(int code, byte[]... frames) {
        try (RawWebSocket ws = openRaw()) {
            for (byte[] frame : frames) {
                ws.write(frame);
            }
            assertEquals(code, ws.awaitCloseCode(TIMEOUT));
            assertTrue(ws.awaitEndOfStream(TIMEOUT), "the server closes the connection after the close frame");
        }
    }

    private static byte[] text(boolean fin, String text) {
        final byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        return RawWebSocket.frame(fin, RawWebSocket.OP_TEXT, payload, payload.length, true);
    }

    // ---- error replies; the connection stays usable --------------------------------------------

    @Test
    void shouldReplyBadJsonToMalformedJsonAndStayUsable() throws Exception {
        assertBystandersUnaffected(() -> {
            try (TestClient c = server.connect(TestTokens.valid())) {
                c.send("{\"op\":\"subscribe\",");
                c.awaitError("bad_json");
                for (String bad : new String[] {"[]", "null", "\"x\"", "{\"op\":\"ping\"}{}", "not json at all"}) {
                    c.send(bad);
                }
                c.await(
                        r -> c.messages().stream()
                                        .filter(m -> m.isError("bad_json"))
                                        .count()
                                == 6,
                        "6 bad_json");
                c.awaitPong(c.ping());
                c.subscribeAndAwaitAck("AAPL");
            }
        });
    }

    @Test
    void shouldReplyUnknownOpAndStayUsable() throws Exception {
        assertBystandersUnaffected(() -> {
            try (TestClient c = server.connect(TestTokens.valid())) {
                c.send("{\"op\":\"teleport\",\"id\":\"t1\"}");
                assertEquals("t1", c.awaitError("unknown_op").id());
                c.send("{\"id\":\"t2\"}");
                c.await(r -> r.isError("unknown_op") && "t2".equals(r.id()), "unknown_op for a missing op");
                c.awaitPong(c.ping());
            }
        });
    }

    @Test
    void shouldReplyTooManySymbolsForOneMessageOverTheLimit() throws Exception {
        assertBystandersUnaffected(() -> {
            try (TestClient c = server.connect(TestTokens.valid())) {
                final String id = c.subscribe(symbols("MANY", 11));
                assertEquals(id, c.awaitError("too_many_symbols").id());
                c.subscribeAndAwaitAck(symbols("MANY", 10));
            }
        });
    }

    @Test
    void shouldReplyTooManySymbolsPastTheSubscriptionsPerConnection() throws Exception {
        assertBystandersUnaffected(() -> {
            try (TestClient c = server.connect(TestTokens.valid())) {
                c.subscribeAndAwaitAck(symbols("LIM", 10));
                c.subscribeAndAwaitAck(symbols("LIM2", 10));
                c.subscribeAndAwaitAck(symbols("LIM", 5)); // already subscribed: not counted twice
                final String id = c.subscribe("LIM.EXTRA");
                assertEquals(id, c.awaitError("too_many_symbols").id());
                c.awaitAck(c.unsubscribe("LIM.0"));
                c.subscribeAndAwaitAck("LIM.EXTRA");
            }
        });
    }

    @Test
    void shouldReplyNotEntitledForSymbolOutsideEntitlements() throws Exception {
        assertBystandersUnaffected(() -> {
            try (TestClient c = server.connect(TestTokens.entitledTo("AAPL"))) {
                final String id = c.subscribe("MSFT");
                assertEquals(id, c.awaitError("not_entitled").id());
                c.subscribeAndAwaitAck("AAPL");
            }
        });
    }

    @Test
    void shouldReplyBadSymbolForInvalidSymbols() throws Exception {
        assertBystandersUnaffected(() -> {
            try (TestClient c = server.connect(TestTokens.valid())) {
                for (String bad : new String[] {"has space", "", "A".repeat(33), "semi;colon", "\u00e9t\u00e9"}) {
                    final String id = c.subscribe(bad);
                    c.await(r -> r.isError("bad_symbol") && id.equals(r.id()), "bad_symbol for '" + bad + "'");
                }
                c.subscribeAndAwaitAck("A".repeat(32));
            }
        });
    }

    // ---- close codes --------------------------------------------------------------------------

    @Test
    void shouldCloseWith1003OnBinaryFrame() throws Exception {
        assertBystandersUnaffected(() -> assertClosedWith(
                CloseCodes.UNSUPPORTED_DATA,
                RawWebSocket.frame(true, RawWebSocket.OP_BINARY, new byte[] {1, 2, 3}, 3, true)));
        try (TestClient c = server.connect(TestTokens.valid())) {
            c.sendBinary(new byte[] {1, 2, 3});
            assertEquals(CloseCodes.UNSUPPORTED_DATA, c.awaitClose());
        }
    }

    @Test
    void shouldCloseWith1009OnFrameOverMaxFrameBytes() throws Exception {
        assertBystandersUnaffected(() -> assertClosedWith(
                CloseCodes.MESSAGE_TOO_BIG,
                RawWebSocket.frame(
                        true,
                        RawWebSocket.OP_TEXT,
                        "{\"op\":\"ping\"".getBytes(StandardCharsets.UTF_8),
                        MAX_FRAME + 1,
                        true)));
    }

    @Test
    void shouldAcceptFrameOfExactlyMaxFrameBytes() {
        final String ping = "{\"op\":\"ping\",\"id\":\"big\"}";
        final String padded = ping.substring(0, ping.length() - 1) + " ".repeat(MAX_FRAME - ping.length()) + "}";
        assertEquals(MAX_FRAME, padded.length());
        try (RawWebSocket ws = openRaw()) {
            ws.sendText(padded);
            assertTrue(ws.awaitText(TIMEOUT).contains("\"pong\""));
        }
    }

    @Test
    void shouldCloseWith4003OnFragmentedMessage() throws Exception {
        assertBystandersUnaffected(() -> assertClosedWith(
                CloseCodes.FRAGMENTED,
                text(false, "{\"op\":"),
                RawWebSocket.frame(
                        true, RawWebSocket.OP_CONTINUATION, "\"ping\"}".getBytes(StandardCharsets.UTF_8), 7, true)));
        try (TestClient c = server.connect(TestTokens.valid())) {
            c.sendFragmented("{\"op\":", "\"ping\"}");
            assertEquals(CloseCodes.FRAGMENTED, c.awaitClose());
        }
    }

    /** A continuation with nothing to continue breaks framing itself: Netty's decoder closes with 1002. */
    @Test
    void shouldCloseWith1002OnStrayContinuationFrame() {
        assertClosedWith(
                CloseCodes.PROTOCOL_ERROR,
                RawWebSocket.frame(true, RawWebSocket.OP_CONTINUATION, new byte[] {'{', '}'}, 2, true));
    }

    @Test
    void shouldCloseWith1007OnInvalidUtf8() throws Exception {
        final byte[] payload = {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        assertBystandersUnaffected(() -> assertClosedWith(
                CloseCodes.INVALID_UTF8,
                RawWebSocket.frame(true, RawWebSocket.OP_TEXT, payload, payload.length, true)));
    }

    @Test
    void shouldCloseWith1002OnUnmaskedFrame() throws Exception {
        final byte[] payload = "{\"op\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
        assertBystandersUnaffected(() -> assertClosedWith(
                CloseCodes.PROTOCOL_ERROR,
                RawWebSocket.frame(true, RawWebSocket.OP_TEXT, payload, payload.length, false)));
    }

    @Test
    void shouldCloseConnectionOnRandomBytesInsteadOfUpgrade() throws Exception {
        assertBystandersUnaffected(() -> {
            try (Socket s = RawWebSocket.connect(server.port())) {
                s.getOutputStream().write(RawWebSocket.randomBytes(16 * 1024));
                s.getOutputStream().flush();
                assertTrue(RawWebSocket.awaitEndOfStream(s, TIMEOUT), "the server closes the connection");
            }
            try (Socket s = RawWebSocket.connect(server.port())) {
                s.getOutputStream().write("\u0016\u0003\u0001garbage\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                assertTrue(RawWebSocket.awaitEndOfStream(s, TIMEOUT), "the server closes the connection");
            }
        });
    }

    // ---- control frames -----------------------------------------------------------------------

    @Test
    void shouldAnswerPingFrameWithPongCarryingItsPayload() {
        try (RawWebSocket ws = openRaw()) {
            ws.sendFrame(true, RawWebSocket.OP_PING, new byte[] {7, 8, 9}, true);
            final RawWebSocket.Frame pong = ws.readFrame(TIMEOUT);
            assertEquals(RawWebSocket.OP_PONG, pong.opcode());
            assertArrayEquals(new byte[] {7, 8, 9}, pong.payload());
        }
    }

    @Test
    void shouldEchoClientCloseAndCloseTheConnection() {
        try (RawWebSocket ws = openRaw()) {
            ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {0x03, (byte) 0xE8}, true);
            assertEquals(CloseCodes.NORMAL, ws.awaitCloseCode(TIMEOUT));
            assertTrue(ws.awaitEndOfStream(TIMEOUT));
        }
    }

    @Test
    void shouldAnswer404JsonForUnknownPath() {
        final RawWebSocket.UpgradeResponse r = RawWebSocket.upgrade(
                server.port(), "/nowhere", Map.of("Authorization", "Bearer " + TestTokens.valid()));
        assertEquals(404, r.status());
        assertEquals(
                "not_found", io.tickfan.server.testing.Json.fields(r.body()).get("error"));
    }

    private static String[] symbols(String prefix, int n) {
        final List<String> list = new ArrayList<>();
        IntStream.range(0, n).forEach(i -> list.add(prefix + "." + i));
        return list.toArray(new String[0]);
    }
}
