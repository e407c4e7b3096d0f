package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TickEncoderTest {
    private static final byte[] AAPL = "AAPL".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    static Tick fullTick() {
        final Tick t = new Tick();
        t.symbol = "AAPL";
        t.seq = 42;
        t.exchangeTimeNs = 1_732_356_000_123_456_789L;
        t.ingestTimeNs = 1_732_356_000_123_500_000L;
        t.bid = Decimals.parse("189.12");
        t.ask = Decimals.parse("189.14");
        t.bidSize = Decimals.parse("300");
        t.askSize = Decimals.parse("200");
        t.last = Decimals.parse("189.13");
        t.lastSize = Decimals.parse("100");
        t.fieldMask = Tick.ALL_FIELDS;
        return t;
    }

    @Test
    void shouldWriteTickJsonWithEveryPresentFieldInOrder() {
        assertEquals(
                "{\"type\":\"tick\",\"sym\":\"AAPL\",\"seq\":42,\"ts\":1732356000123456789,\"ingest\":1732356000123500000,"
                        + "\"bid\":189.12,\"ask\":189.14,\"bsz\":300,\"asz\":200,\"last\":189.13,\"lsz\":100}",
                json(fullTick(), 0));
    }

    @Test
    void shouldLeaveOutAbsentFieldsAndAddFlags() {
        final Tick t = fullTick();
        t.fieldMask = Tick.LAST | Tick.LAST_SIZE;
        assertEquals(
                "{\"type\":\"tick\",\"sym\":\"AAPL\",\"seq\":42,\"ts\":1732356000123456789,\"ingest\":1732356000123500000,"
                        + "\"last\":189.13,\"lsz\":100,\"snap\":true,\"reset\":true,\"cf\":true}",
                json(t, Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET | Tick.FLAG_CONFLATED));
    }

    @Test
    void shouldLeaveOutTsWhenThePublisherSentNone() {
        final Tick t = fullTick();
        t.exchangeTimeNs = 0;
        t.fieldMask = Tick.BID;
        assertEquals(
                "{\"type\":\"tick\",\"sym\":\"AAPL\",\"seq\":42,\"ingest\":1732356000123500000,\"bid\":189.12}",
                json(t, 0));
    }

    @Test
    void shouldIgnoreTheTicksOwnFlags() {
        final Tick t = fullTick();
        t.flags = Tick.FLAG_SNAPSHOT;
        assertTrue(!json(t, 0).contains("snap"));
    }

    @Test
    void shouldBuildShortFormFrameHeaderForPayloadUnder126Bytes() {
        final Tick t = fullTick();
        t.fieldMask = Tick.BID;
        t.exchangeTimeNs = 1;
        t.ingestTimeNs = 2;
        final String expected = json(t, 0);
        assertTrue(expected.length() < 126, "payload must use the short form: " + expected.length());
        final ByteBuf frame = TickEncoder.webSocketFrame(ALLOC, AAPL, t, 0);
        try {
            assertEquals(2 + expected.length(), frame.readableBytes());
            assertEquals(0x81, frame.getUnsignedByte(frame.readerIndex()), "FIN + text opcode");
            assertEquals(expected.length(), frame.getUnsignedByte(frame.readerIndex() + 1), "unmasked 7-bit length");
            assertEquals(
                    expected, frame.toString(frame.readerIndex() + 2, expected.length(), StandardCharsets.US_ASCII));
        } finally {
            frame.release();
        }
    }

    @Test
    void shouldBuildExtendedLengthFrameHeaderForPayloadOf126BytesAndMore() {
        final Tick t = fullTick();
        final String expected = json(t, Tick.FLAG_SNAPSHOT);
        assertTrue(expected.length() >= 126, "payload must use the 16-bit form: " + expected.length());
        final ByteBuf frame = TickEncoder.webSocketFrame(ALLOC, AAPL, t, Tick.FLAG_SNAPSHOT);
        try {
            assertEquals(4 + expected.length(), frame.readableBytes());
            assertEquals(0x81, frame.getUnsignedByte(frame.readerIndex()));
            assertEquals(126, frame.getUnsignedByte(frame.readerIndex() + 1));
            assertEquals(expected.length(), frame.getUnsignedShort(frame.readerIndex() + 2));
            assertEquals(
                    expected, frame.toString(frame.readerIndex() + 4, expected.length(), StandardCharsets.US_ASCII));
        } finally {
            frame.release();
        }
    }

    @Test
    void shouldUseShortFormUpTo125AndExtendedFrom126() {
        for (int length : new int[] {0, 1, 125, 126, 127, 1000, 65_535}) {
            final ByteBuf frame = Unpooled.buffer(4 + length);
            try {
                frame.writerIndex(4);
                frame.writeZero(length);
                WebSocketFrames.closeTextFrame(frame, 4);
                final int header = length < 126 ? 2 : 4;
                assertEquals(header + length, frame.readableBytes(), "length " + length);
                final int declared = length < 126
                        ? frame.getUnsignedByte(frame.readerIndex() + 1)
                        : frame.getUnsignedShort(frame.readerIndex() + 2);
                assertEquals(length, declared);
            } finally {
                frame.release();
            }
        }
    }

    @Test
    void shouldStayWithinMaxJsonBytesForTheLongestTick() {
        final Tick t = fullTick();
        t.seq = Long.MAX_VALUE;
        t.exchangeTimeNs = Long.MAX_VALUE;
        t.ingestTimeNs = Long.MAX_VALUE;
        t.bid = t.ask = t.bidSize = t.askSize = t.last = t.lastSize = -Long.MAX_VALUE;
        final byte[] longSymbol = "A".repeat(Symbols.MAX_LENGTH).getBytes(StandardCharsets.US_ASCII);
        final ByteBuf out = Unpooled.buffer();
        try {
            TickEncoder.writeJson(out, longSymbol, t, Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET | Tick.FLAG_CONFLATED);
            assertTrue(out.readableBytes() <= TickEncoder.MAX_JSON_BYTES, "json is " + out.readableBytes());
        } finally {
            out.release();
        }
    }

    static String json(Tick tick, int flags) {
        final ByteBuf out = Unpooled.buffer();
        try {
            TickEncoder.writeJson(out, tick.symbol.getBytes(StandardCharsets.US_ASCII), tick, flags);
            return out.toString(StandardCharsets.US_ASCII);
        } finally {
            out.release();
        }
    }
}
