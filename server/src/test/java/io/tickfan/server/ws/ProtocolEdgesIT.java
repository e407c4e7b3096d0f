package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.CloseCodes;
import io.tickfan.server.testing.Json;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.RawWebSocket.UpgradeResponse;
import io.tickfan.server.testing.Received;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Protocol edges a browser or a hand-written frame runs into: each has its documented answer. */
@Tag("fault")
class ProtocolEdgesIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension();

    /** Browsers reject a 101 that selects no subprotocol they offered: refuse before, and say why. */
    @Test
    void shouldRefuseBearerOnlySubprotocolOfferBeforeUpgrade() {
        final UpgradeResponse r = RawWebSocket.upgrade(
                server.port(), "/ws", Map.of("Sec-WebSocket-Protocol", "bearer." + TestTokens.valid()));
        assertEquals(400, r.status(), r.headerBlock());
        assertNull(r.webSocket());
        assertTrue(Json.fields(r.body()).get("reason").contains("tickfan.v1"), r.body());
    }

    @Test
    void shouldSelectTickfanSubprotocolWhenOfferedWithBearer() {
        final UpgradeResponse r = RawWebSocket.upgrade(
                server.port(), "/ws", Map.of("Sec-WebSocket-Protocol", "tickfan.v1, bearer." + TestTokens.valid()));
        try {
            assertEquals(101, r.status(), r.headerBlock());
            assertEquals("tickfan.v1", r.header("Sec-WebSocket-Protocol"));
        } finally {
            r.webSocket().close();
        }
    }

    /** RFC 6455 7.4: 999 is not a close code a peer may send; the answer is a 1002 close frame. */
    @Test
    void shouldAnswerCloseFrameWithInvalidCodeWith1002() {
        for (int code : new int[] {999, 1005, 1006, 1015, 2999, 5000}) {
            try (RawWebSocket ws = RawWebSocket.open(server.port(), "/ws", TestTokens.valid())) {
                ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {(byte) (code >> 8), (byte) code}, true);
                assertEquals(CloseCodes.PROTOCOL_ERROR, ws.awaitCloseCode(TIMEOUT), "close code " + code);
            }
        }
        // A one-byte close payload cannot hold a code either.
        try (RawWebSocket ws = RawWebSocket.open(server.port(), "/ws", TestTokens.valid())) {
            ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {3}, true);
            assertEquals(CloseCodes.PROTOCOL_ERROR, ws.awaitCloseCode(TIMEOUT));
        }
        // A valid code is echoed as before.
        try (RawWebSocket ws = RawWebSocket.open(server.port(), "/ws", TestTokens.valid())) {
            ws.sendFrame(true, RawWebSocket.OP_CLOSE, new byte[] {(byte) (4000 >> 8), (byte) 4000}, true);
            assertEquals(4000, ws.awaitCloseCode(TIMEOUT));
        }
    }

    /** A tick published without {@code ts} has none: no {@code "ts":0} (1970) on the wire. */
    @Test
    void shouldLeaveOutTsOfATickPublishedWithoutOne() {
        try (TestClient subscriber = server.connect(TestTokens.valid());
                TestClient publisher = server.connect(TestTokens.publisher())) {
            subscriber.awaitAck(subscriber.subscribe("NOTS"));
            publisher.send("{\"op\":\"publish\",\"id\":\"p1\",\"ticks\":[{\"sym\":\"NOTS\",\"bid\":1.5}]}");
            publisher.awaitAck("p1");
            final Received tick = subscriber.await(r -> r.isTickOf("NOTS"), "tick of NOTS");
            assertFalse(tick.raw().contains("\"ts\""), tick.raw());
            assertTrue(tick.raw().contains("\"ingest\":"), tick.raw());
        }
    }

    /** {@code sym: [""]} grants nothing: 403 like {@code sym: []}, not a 101. */
    @Test
    void shouldRefuseTokenWhoseOnlySymbolPatternIsEmptyBeforeUpgrade() {
        final UpgradeResponse r = RawWebSocket.upgrade(
                server.port(),
                "/ws",
                Map.of(
                        "Authorization",
                        "Bearer " + TestTokens.builder().symbols("").hs256()));
        assertEquals(403, r.status(), r.headerBlock());
        assertNull(r.webSocket());
    }

    /** {@code sym: null} is malformed, not "every symbol". */
    @Test
    void shouldRefuseNullSymClaimBeforeUpgrade() {
        final UpgradeResponse r = RawWebSocket.upgrade(
                server.port(),
                "/ws",
                Map.of(
                        "Authorization",
                        "Bearer " + TestTokens.builder().nullClaim("sym").hs256()));
        assertEquals(401, r.status(), r.headerBlock());
        assertEquals("invalid claim: sym", Json.fields(r.body()).get("reason"), r.body());
        assertNull(r.webSocket());
    }
}
