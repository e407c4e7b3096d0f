package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import io.tickfan.protocol.TickEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TickScannerTest {
    /** The first edge cases are well-formed ticks the scanner must take; the rest it may decline. */
    private static final int ACCEPTED_EDGE_CASES = 12;

    private final TickScanner scanner = new TickScanner();
    private final ServerMessageDecoder decoder = new ServerMessageDecoder();
    private final ServerMessage message = new ServerMessage();

    @Test
    void shouldAgreeWithTheDecoderOnEncodedTicks() throws ProtocolException {
        final Random random = new Random(42);
        final int[] flagChoices = {0, Tick.FLAG_SNAPSHOT, Tick.FLAG_RESET, Tick.FLAG_CONFLATED, 7};
        for (int n = 0; n < 20_000; n++) {
            final Tick t = new Tick();
            t.seq = random.nextInt(4) == 0 ? random.nextLong() & 0x0FFF_FFFF_FFFF_FFFFL : 1 + random.nextInt(1000);
            t.exchangeTimeNs = 1_732_356_000_000_000_000L + (random.nextLong() & 0xFFFF_FFFFL);
            t.ingestTimeNs = t.exchangeTimeNs + random.nextInt(1_000_000);
            t.fieldMask = random.nextInt(Tick.ALL_FIELDS + 1);
            t.bid = random.nextInt(1_000_000) - 1000;
            t.ask = random.nextInt(1_000_000);
            t.bidSize = random.nextInt(10_000);
            t.askSize = random.nextInt(10_000);
            t.last = random.nextInt(1_000_000);
            t.lastSize = random.nextInt(10_000);
            final String symbol = "S" + random.nextInt(500) + (random.nextBoolean() ? ".X-Y_Z" : "");
            final ByteBuf json = Unpooled.buffer();
            TickEncoder.writeJson(
                    json,
                    symbol.getBytes(StandardCharsets.US_ASCII),
                    t,
                    flagChoices[random.nextInt(flagChoices.length)]);
            final byte[] bytes = new byte[json.readableBytes()];
            json.readBytes(bytes);
            json.release();
            assertTrue(scanner.scan(bytes, 0, bytes.length), new String(bytes, StandardCharsets.US_ASCII));
            assertAgrees(bytes);
        }
    }

    @Test
    void shouldAgreeOrDeclineOnHandWrittenEdgeCases() throws ProtocolException {
        final List<String> cases = List.of(
                " {\"type\" : \"tick\" ,\n\"sym\":\"A\",\t\"seq\": 7 , \"ts\":-5 } ",
                "{\"sym\":\"B\",\"seq\":3,\"ts\":9,\"type\":\"tick\"}",
                "{\"type\":\"tick\",\"sym\":\"C\",\"seq\":1,\"seq\":2,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"C\",\"sym\":\"D\",\"seq\":1,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"E\",\"seq\":1,\"ts\":1,\"snap\":true,\"snap\":false,\"cf\":true}",
                "{\"type\":\"tick\",\"sym\":\"E\",\"seq\":1,\"ts\":1,\"reset\":false}",
                "{\"type\":\"tick\",\"sym\":\"F\",\"seq\":1,\"ts\":1,\"note\":\"a \\\"quoted\\\" \\\\ \\u00e9 \\/ \\n\"}",
                "{\"type\":\"tick\",\"sym\":\"F\",\"seq\":1,\"ts\":1,\"x\":-0.5e+10,\"y\":0,\"z\":1E3,\"n\":null,\"b\":true}",
                "{\"type\":\"tick\",\"sym\":\"\",\"seq\":0,\"ts\":0}",
                "{\"type\":\"tick\",\"\":1,\"sym\":\"G\",\"seq\":1,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"G\",\"seq\":1,\"ts\":1}trailing garbage",
                "{\"type\":\"tick\",\"sym\":\"G\",\"seq\":9223372036854775807,\"ts\":-9223372036854775807}",
                // Declined: the full decoder decides (same answer or an error).
                "{\"type\":\"tick\",\"sym\":\"G\",\"seq\":9223372036854775808,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"A\\u0042\",\"seq\":1,\"ts\":1}",
                "{\"type\":\"tick\",\"s\\u0079m\":\"AB\",\"seq\":1,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"\u00c9\",\"seq\":1,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1.5,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":01,\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":\"1\",\"ts\":1}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"snap\":1}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"snap\":\"true\"}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"o\":{\"a\":1}}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"o\":[1,2]}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"x\":1.}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"x\":\"bad \\q escape\"}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"x\":\"ctl \u0001\"}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,\"x\":tru}",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1",
                "{\"type\":\"tick\",\"sym\":\"H\",\"seq\":1,\"ts\":1,}",
                "{\"type\":\"tick\",\"sym\":\"H\" \"seq\":1}",
                "{\"type\":\"tick\",\"seq\":1,\"ts\":1}",
                "{\"type\":\"ack\",\"id\":\"1\",\"op\":\"subscribe\",\"epoch\":\"e1\"}",
                "{\"type\":\"tickx\",\"sym\":\"H\",\"seq\":1,\"ts\":1}",
                "{\"type\":\"tick\",\"type\":\"pong\",\"sym\":\"H\",\"seq\":1,\"ts\":1}",
                "{\"type\":5,\"sym\":\"H\",\"seq\":1,\"ts\":1}",
                "{}",
                "[]",
                "",
                "nul");
        for (int i = 0; i < cases.size(); i++) {
            final byte[] json = bytes(cases.get(i));
            if (i < ACCEPTED_EDGE_CASES) {
                assertTrue(scanner.scan(json, 0, json.length), cases.get(i));
            }
            assertAgrees(json);
        }
        assertFalse(scanner.scan(bytes(cases.get(cases.size() - 5)), 0, 10), "a cut message is declined");
    }

    @Test
    void shouldScanOnlyTheGivenRange() {
        final byte[] b = bytes("xx{\"type\":\"tick\",\"sym\":\"AB\",\"seq\":12,\"ts\":34,\"cf\":true}yy");
        assertTrue(scanner.scan(b, 2, b.length - 2));
        assertEquals(24, scanner.symbolOffset);
        assertEquals(2, scanner.symbolLength);
        assertEquals("AB".hashCode(), scanner.symbolHash);
        assertEquals(12, scanner.seq);
        assertEquals(34, scanner.timeNs);
        assertEquals(Tick.FLAG_CONFLATED, scanner.flags);
        assertFalse(scanner.scan(b, 2, b.length - 3), "the closing brace is outside the range");
    }

    /** When the scanner answers, the decoder must decode the same tick; when it declines, anything goes. */
    private void assertAgrees(byte[] bytes) throws ProtocolException {
        if (!scanner.scan(bytes, 0, bytes.length)) {
            return;
        }
        final String text = new String(bytes, StandardCharsets.UTF_8);
        final ServerMessage m = decoder.decode(bytes, 0, bytes.length, message);
        assertEquals(ServerMessage.Type.TICK, m.type, text);
        final String symbol = new String(bytes, scanner.symbolOffset, scanner.symbolLength, StandardCharsets.US_ASCII);
        assertEquals(m.tick.symbol, symbol, text);
        assertEquals(m.tick.symbol.hashCode(), scanner.symbolHash, text);
        assertEquals(m.tick.seq, scanner.seq, text);
        assertEquals(m.tick.exchangeTimeNs, scanner.timeNs, text);
        assertEquals(m.tick.flags, scanner.flags, text);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
