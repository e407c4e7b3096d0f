package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tickfan.protocol.BinaryTicks;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code tickfan.v1.bin}: chosen at the upgrade in the client's order of preference; ticks arrive
 * as binary frames with every field exact, control messages stay JSON text, and a JSON client of
 * the same symbol is unaffected.
 */
class BinaryTicksIT {
    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension();

    private static final Duration WAIT = Duration.ofSeconds(10);

    private static RawWebSocket open(String offer) {
        final RawWebSocket.UpgradeResponse r = RawWebSocket.upgrade(
                server.port(),
                "/ws",
                Map.of("Authorization", "Bearer " + TestTokens.valid(), "Sec-WebSocket-Protocol", offer));
        assertEquals(101, r.status(), r.body());
        final String chosen = r.header("sec-websocket-protocol");
        assertEquals(offer.split(",")[0].trim(), chosen, "the server takes the client's first choice of ours");
        return r.webSocket();
    }

    private static Tick nextBinaryTick(RawWebSocket ws) {
        while (true) {
            final RawWebSocket.Frame f = ws.readFrame(WAIT);
            assertTrue(f != null && f.opcode() != RawWebSocket.OP_CLOSE, "connection open");
            if (f.opcode() == RawWebSocket.OP_BINARY) {
                return BinaryTicks.read(Unpooled.wrappedBuffer(f.payload()), new Tick());
            }
            assertTrue(f.opcode() != RawWebSocket.OP_TEXT || !f.text().contains("\"type\":\"tick\""), f.text());
        }
    }

    @Test
    void shouldSendTicksAsBinaryFramesAndControlMessagesAsJson() throws Exception {
        server.publish(Ticks.quote("BIN.A", "189.12", "189.14"));
        try (RawWebSocket bin = open("tickfan.v1.bin, tickfan.v1");
                RawWebSocket json = open("tickfan.v1, tickfan.v1.bin")) {
            bin.sendText("{\"op\":\"subscribe\",\"id\":\"s1\",\"symbols\":[\"BIN.A\"]}");
            json.sendText("{\"op\":\"subscribe\",\"id\":\"s1\",\"symbols\":[\"BIN.A\"]}");
            final String ack = bin.awaitText(WAIT);
            assertTrue(ack.contains("\"type\":\"ack\"") && ack.contains("\"id\":\"s1\""), ack);
            // The JSON client's subscribe too must be applied before the live ticks are published,
            // or its snapshot is a later one and fewer live ticks follow it.
            final String jsonAck = json.awaitText(WAIT);
            assertTrue(jsonAck.contains("\"type\":\"ack\""), jsonAck);

            final Tick snapshot = nextBinaryTick(bin);
            assertEquals("BIN.A", snapshot.symbol);
            assertEquals(1, snapshot.seq);
            assertEquals(Tick.FLAG_SNAPSHOT, snapshot.flags & Tick.FLAG_SNAPSHOT, "the snapshot is flagged");
            assertEquals("189.12", Decimals.toString(snapshot.bid));
            assertEquals("189.14", Decimals.toString(snapshot.ask));

            final List<Long> seqs = new ArrayList<>();
            for (int i = 1; i <= 50; i++) {
                server.publish(Ticks.numbered("BIN.A", i));
            }
            for (int i = 1; i <= 50; i++) {
                final Tick t = nextBinaryTick(bin);
                seqs.add(t.seq);
                assertEquals(0, t.flags, "a live tick has no flags");
                assertEquals(Decimals.ofUnits(100) + i * (Decimals.ONE / 100), t.bid, "bid exact");
                assertTrue(t.ingestTimeNs > 0 && t.exchangeTimeNs > 0);
            }
            assertEquals(Ticks.range(2, 51), seqs);

            int jsonTicks = 0;
            while (jsonTicks < 51) {
                final RawWebSocket.Frame f = json.readFrame(WAIT);
                if (f.opcode() == RawWebSocket.OP_PING) {
                    continue; // a read receipt (answered by readFrame)
                }
                assertEquals(RawWebSocket.OP_TEXT, f.opcode(), "the JSON client gets text frames only");
                if (f.text().contains("\"type\":\"tick\"")) {
                    jsonTicks++;
                }
            }
        }
    }
}
