package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClientMessageDecoderTest {
    private final ClientMessageDecoder decoder = new ClientMessageDecoder(new ProtocolLimits(3, 2, 8, 64));

    private ClientMessage decode(String json) throws ProtocolException {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return decoder.decode(bytes, 0, bytes.length);
    }

    private ProtocolException refused(String json) {
        return assertThrows(ProtocolException.class, () -> decode(json), json);
    }

    @Test
    void shouldDecodeSubscribeWithSinceEpochAndMaxHz() throws Exception {
        final ClientMessage m = decode("{\"op\":\"subscribe\",\"id\":\"r1\",\"symbols\":[\"AAPL\",\"EUR/USD\"],"
                + "\"since\":{\"EUR/USD\":17},\"epoch\":\"abc\",\"maxHz\":10,\"future\":{\"x\":[1]}}");
        assertEquals(ClientMessage.Op.SUBSCRIBE, m.op);
        assertEquals("r1", m.id);
        assertEquals(List.of("AAPL", "EUR/USD"), m.symbols);
        assertArrayEquals(new long[] {ClientMessage.NO_SINCE, 17}, m.since);
        assertEquals("abc", m.epoch);
        assertEquals(10, m.maxHz);
    }

    @Test
    void shouldDropDuplicateSymbolsInOneSubscribe() throws Exception {
        assertEquals(List.of("A", "B"), decode("{\"op\":\"subscribe\",\"symbols\":[\"A\",\"B\",\"A\"]}").symbols);
    }

    @Test
    void shouldAcceptIntegerIds() throws Exception {
        assertEquals("7", decode("{\"op\":\"ping\",\"id\":7}").id);
    }

    @Test
    void shouldDecodePublishedTicksWithExactDecimalsFromNumbersOrStrings() throws Exception {
        final ClientMessage m = decode("{\"op\":\"publish\",\"ticks\":[{\"sym\":\"AAPL\",\"seq\":5,\"ts\":9,"
                + "\"bid\":189.12,\"ask\":\"189.14\",\"lsz\":100}]}");
        assertEquals(ClientMessage.Op.PUBLISH, m.op);
        final Tick t = m.ticks.get(0);
        assertEquals("AAPL", t.symbol);
        assertEquals(5, t.seq);
        assertEquals(9, t.exchangeTimeNs);
        assertEquals(Decimals.parse("189.12"), t.bid);
        assertEquals(Decimals.parse("189.14"), t.ask);
        assertEquals(Decimals.ofUnits(100), t.lastSize);
        assertEquals(Tick.BID | Tick.ASK | Tick.LAST_SIZE, t.fieldMask);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{                                               | bad_json",
                "[1,2]                                           | bad_json",
                "\"ping\"                                        | bad_json",
                "{\"op\":\"ping\"} trailing                      | bad_json",
                "{\"op\":\"ping\"}{\"op\":\"ping\"}              | bad_json",
                "{\"op\":1}                                      | bad_json",
                "{\"id\":\"x\"}                                  | unknown_op",
                "{\"op\":\"teleport\"}                           | unknown_op",
                "{\"op\":\"ping\",\"id\":\"way-too-long-id\"}    | bad_json",
                "{\"op\":\"ping\",\"id\":{}}                     | bad_json",
                "{\"op\":\"subscribe\"}                          | bad_symbol",
                "{\"op\":\"subscribe\",\"symbols\":[]}           | bad_symbol",
                "{\"op\":\"subscribe\",\"symbols\":\"AAPL\"}     | bad_json",
                "{\"op\":\"subscribe\",\"symbols\":[1]}          | bad_json",
                "{\"op\":\"subscribe\",\"symbols\":[\"a b\"]}    | bad_symbol",
                "{\"op\":\"subscribe\",\"symbols\":[\"\"]}       | bad_symbol",
                "{\"op\":\"subscribe\",\"symbols\":[\"A\",\"B\",\"C\",\"D\"]} | too_many_symbols",
                "{\"op\":\"subscribe\",\"symbols\":[\"A\"],\"since\":{\"A\":-1}} | bad_json",
                "{\"op\":\"subscribe\",\"symbols\":[\"A\"],\"since\":{\"A\":1.5}} | bad_json",
                "{\"op\":\"subscribe\",\"symbols\":[\"A\"],\"maxHz\":-1} | bad_json",
                "{\"op\":\"unsubscribe\"}                        | bad_symbol",
                "{\"op\":\"publish\"}                            | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[]}               | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[1]}              | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"bid\":1}]}    | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"A\"}]} | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"a b\",\"bid\":1}]} | bad_symbol",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"A\",\"bid\":1e3}]} | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"A\",\"bid\":true}]} | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"A\",\"bid\":1.123456789}]} | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"A\",\"bid\":1,\"seq\":-1}]} | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"A\",\"bid\":1,\"seq\":99999999999999999999}]} | bad_tick",
                "{\"op\":\"publish\",\"ticks\":[{\"sym\":\"A\",\"bid\":1},{\"sym\":\"A\",\"bid\":1},{\"sym\":\"A\",\"bid\":1}]} | bad_tick",
                "{\"op\":\"refresh\"}                            | bad_json"
            })
    void shouldRefuseBadMessagesWithStableCode(String json, String code) {
        assertEquals(code, refused(json.trim()).code().wireName());
    }

    @Test
    void shouldEchoTheRequestIdInRefusalsWhenItWasRead() {
        assertEquals("r9", refused("{\"op\":\"teleport\",\"id\":\"r9\"}").requestId());
        assertEquals(
                "r9",
                refused("{\"id\":\"r9\",\"op\":\"subscribe\",\"symbols\":[\"bad sym\"]}")
                        .requestId());
        assertNull(refused("not json").requestId());
    }

    @Test
    void shouldRefuseInvalidUtf8AsBadJson() {
        final byte[] bytes = {'{', '"', 'o', 'p', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
        final ProtocolException e = assertThrows(ProtocolException.class, () -> decoder.decode(bytes, 0, bytes.length));
        assertEquals(ErrorCode.BAD_JSON, e.code());
    }

    @Test
    void shouldRoundTripWhatTheClientEncoderWrites() throws Exception {
        final ClientMessage sub =
                decode(ClientMessageEncoder.subscribe("s1", List.of("AAPL", "MSFT"), Map.of("MSFT", 4L), "ep", 5));
        assertEquals(List.of("AAPL", "MSFT"), sub.symbols);
        assertArrayEquals(new long[] {ClientMessage.NO_SINCE, 4}, sub.since);
        assertEquals("ep", sub.epoch);
        assertEquals(5, sub.maxHz);
        assertEquals(ClientMessage.Op.UNSUBSCRIBE, decode(ClientMessageEncoder.unsubscribe("u", List.of("A"))).op);
        assertEquals("p", decode(ClientMessageEncoder.ping("p")).id);
        assertEquals("tok", decode(ClientMessageEncoder.refresh("r", "tok")).token);

        final Tick t = TickEncoderTest.fullTick();
        t.seq = 0;
        final ByteBuf buf = Unpooled.buffer();
        try {
            ClientMessageEncoder.writePublish(buf, new Tick[] {t, t}, 2);
            final ClientMessage pub = decode(buf.toString(StandardCharsets.UTF_8));
            assertEquals(2, pub.ticks.size());
            final Tick back = pub.ticks.get(1);
            assertEquals(0, back.seq);
            assertEquals(t.bid, back.bid);
            assertEquals(t.lastSize, back.lastSize);
            assertEquals(t.exchangeTimeNs, back.exchangeTimeNs);
            assertEquals(Tick.ALL_FIELDS, back.fieldMask);
        } finally {
            buf.release();
        }
    }
}
