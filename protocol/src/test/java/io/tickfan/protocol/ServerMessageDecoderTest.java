package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ServerMessageDecoderTest {
    private final ServerMessageDecoder decoder = new ServerMessageDecoder();
    private final ServerMessage out = new ServerMessage();

    private ServerMessage decode(String json) throws ProtocolException {
        final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return decoder.decode(bytes, 0, bytes.length, out);
    }

    @Test
    void shouldRoundTripEveryFieldOfAnEncodedTickFrame() throws Exception {
        final Tick sent = TickEncoderTest.fullTick();
        final ByteBuf frame = TickEncoder.webSocketFrame(
                UnpooledByteBufAllocator.DEFAULT,
                sent.symbol.getBytes(StandardCharsets.US_ASCII),
                sent,
                Tick.FLAG_SNAPSHOT | Tick.FLAG_CONFLATED);
        final byte[] bytes;
        try {
            final int header = frame.getUnsignedByte(frame.readerIndex() + 1) == 126 ? 4 : 2;
            bytes = ByteBufUtil.getBytes(frame, frame.readerIndex() + header, frame.readableBytes() - header);
        } finally {
            frame.release();
        }
        final ServerMessage m = decoder.decode(bytes, 0, bytes.length, out);
        assertEquals(ServerMessage.Type.TICK, m.type);
        final Tick got = m.tick;
        assertEquals(sent.symbol, got.symbol);
        assertEquals(sent.seq, got.seq);
        assertEquals(sent.exchangeTimeNs, got.exchangeTimeNs);
        assertEquals(sent.ingestTimeNs, got.ingestTimeNs);
        assertEquals(sent.bid, got.bid);
        assertEquals(sent.ask, got.ask);
        assertEquals(sent.bidSize, got.bidSize);
        assertEquals(sent.askSize, got.askSize);
        assertEquals(sent.last, got.last);
        assertEquals(sent.lastSize, got.lastSize);
        assertEquals(Tick.ALL_FIELDS, got.fieldMask);
        assertTrue(got.isSnapshot());
        assertTrue(got.isConflated());
        assertTrue(!got.isReset());
    }

    @Test
    void shouldClearTheReusedMessageBetweenDecodes() throws Exception {
        decode(TickEncoderTest.json(TickEncoderTest.fullTick(), Tick.FLAG_SNAPSHOT));
        final ServerMessage m = decode(ServerMessages.pong(null, 5));
        assertEquals(ServerMessage.Type.PONG, m.type);
        assertNull(m.tick.symbol);
        assertEquals(0, m.tick.fieldMask);
        assertEquals(0, m.tick.flags);
    }

    @Test
    void shouldRoundTripControlReplies() throws Exception {
        ServerMessage m = decode(ServerMessages.ack("a\"1", ClientMessage.Op.SUBSCRIBE, "ep"));
        assertEquals(ServerMessage.Type.ACK, m.type);
        assertEquals("a\"1", m.id);
        assertEquals("subscribe", m.op);
        assertEquals("ep", m.epoch);

        m = decode(ServerMessages.error("e1", ErrorCode.NOT_ENTITLED, "not entitled to \"X\""));
        assertEquals(ServerMessage.Type.ERROR, m.type);
        assertEquals("e1", m.id);
        assertEquals("not_entitled", m.code);
        assertEquals("not entitled to \"X\"", m.message);

        m = decode(ServerMessages.pong("p", 123_456_789_012L));
        assertEquals(ServerMessage.Type.PONG, m.type);
        assertEquals("p", m.id);
        assertEquals(123_456_789_012L, m.serverTimeNs);
    }

    @Test
    void shouldTreatUnknownTypesAsOtherAndSkipUnknownFields() throws Exception {
        final ServerMessage m = decode("{\"type\":\"drain\",\"hint\":{\"retry_ms\":[1,2]},\"id\":\"x\"}");
        assertEquals(ServerMessage.Type.OTHER, m.type);
        assertEquals("x", m.id);
    }

    @Test
    void shouldInternSymbols() throws Exception {
        final String first = decode("{\"type\":\"tick\",\"sym\":\"AAPL\",\"seq\":1}").tick.symbol;
        final String second = decode("{\"type\":\"tick\",\"sym\":\"AAPL\",\"seq\":2}").tick.symbol;
        assertSame(first, second);
    }

    @Test
    void shouldRefuseTextThatIsNotAJsonObject() {
        assertEquals(
                ErrorCode.BAD_JSON,
                assertThrows(ProtocolException.class, () -> decode("[1]")).code());
        assertEquals(
                ErrorCode.BAD_JSON,
                assertThrows(ProtocolException.class, () -> decode("{\"type\":"))
                        .code());
    }
}
