package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BinaryTicksTest {
    private static final byte[] AAPL = "AAPL".getBytes(StandardCharsets.US_ASCII);

    @Test
    void shouldRoundTripEveryFieldAndFlagExactly() {
        final Tick t = TickEncoderTest.fullTick();
        final ByteBuf buf = Unpooled.buffer();
        try {
            BinaryTicks.write(buf, AAPL, t, Tick.FLAG_SNAPSHOT | Tick.FLAG_CONFLATED);
            assertEquals(28 + 4 + 6 * 8, buf.readableBytes());
            final Tick back = BinaryTicks.read(buf, new Tick());
            assertEquals(0, buf.readableBytes(), "read consumed the tick");
            assertEquals("AAPL", back.symbol);
            assertEquals(42, back.seq);
            assertEquals(t.exchangeTimeNs, back.exchangeTimeNs);
            assertEquals(t.ingestTimeNs, back.ingestTimeNs);
            assertEquals("189.12", Decimals.toString(back.bid));
            assertEquals("189.14", Decimals.toString(back.ask));
            assertEquals("300", Decimals.toString(back.bidSize));
            assertEquals("200", Decimals.toString(back.askSize));
            assertEquals("189.13", Decimals.toString(back.last));
            assertEquals("100", Decimals.toString(back.lastSize));
            assertEquals(Tick.ALL_FIELDS, back.fieldMask);
            assertEquals(Tick.FLAG_SNAPSHOT | Tick.FLAG_CONFLATED, back.flags);
        } finally {
            buf.release();
        }
    }

    @Test
    void shouldWriteTheDocumentedLayoutLittleEndian() {
        final Tick t = new Tick();
        t.seq = 0x0102;
        t.ingestTimeNs = 7;
        t.last = Decimals.parse("1.5");
        t.fieldMask = Tick.LAST;
        final ByteBuf buf = Unpooled.buffer();
        try {
            BinaryTicks.write(buf, AAPL, t, Tick.FLAG_RESET);
            assertEquals(BinaryTicks.length(4, Tick.LAST), buf.readableBytes());
            assertEquals(1, buf.getByte(0), "kind");
            assertEquals(Tick.FLAG_RESET, buf.getByte(1), "flags");
            assertEquals(Tick.LAST, buf.getByte(2), "field mask");
            assertEquals(4, buf.getByte(3), "symbol length");
            assertEquals(0x02, buf.getByte(4), "seq, low byte first");
            assertEquals(0x01, buf.getByte(5));
            assertEquals(0L, buf.getLongLE(12), "no ts: 0");
            assertEquals(7L, buf.getLongLE(20), "ingest");
            assertEquals("AAPL", buf.toString(28, 4, StandardCharsets.US_ASCII));
            assertEquals(150_000_000L, buf.getLongLE(32), "last, 8 implied decimals");
        } finally {
            buf.release();
        }
    }

    @Test
    void shouldBuildAWholeBinaryFrameWithTheShortHeader() {
        final Tick t = TickEncoderTest.fullTick();
        final byte[] longest = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".getBytes(StandardCharsets.US_ASCII);
        final ByteBuf frame = BinaryTicks.webSocketFrame(UnpooledByteBufAllocator.DEFAULT, longest, t, 0);
        try {
            assertEquals(0x82, frame.getUnsignedByte(0), "FIN + binary opcode");
            assertEquals(BinaryTicks.MAX_BYTES, frame.getUnsignedByte(1), "unmasked, 7-bit length");
            assertTrue(BinaryTicks.MAX_BYTES < 126);
            assertEquals(2 + BinaryTicks.MAX_BYTES, frame.readableBytes());
            frame.skipBytes(2);
            assertEquals("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345", BinaryTicks.read(frame, new Tick()).symbol);
        } finally {
            frame.release();
        }
    }

    @Test
    void shouldRefuseBytesThatAreNotOneWellFormedTick() {
        final ByteBuf good = Unpooled.buffer();
        BinaryTicks.write(good, AAPL, TickEncoderTest.fullTick(), 0);
        try {
            assertThrows(IllegalArgumentException.class, () -> BinaryTicks.read(good.copy(0, 20), new Tick()));
            final ByteBuf longer = Unpooled.wrappedBuffer(good.copy(), Unpooled.wrappedBuffer(new byte[1]));
            assertThrows(IllegalArgumentException.class, () -> BinaryTicks.read(longer, new Tick()));
            longer.release();
            final ByteBuf kind = good.copy();
            kind.setByte(0, 2);
            assertThrows(IllegalArgumentException.class, () -> BinaryTicks.read(kind, new Tick()));
            kind.release();
            final ByteBuf mask = good.copy();
            mask.setByte(2, 0x40);
            assertThrows(IllegalArgumentException.class, () -> BinaryTicks.read(mask, new Tick()));
            mask.release();
        } finally {
            good.release();
        }
    }
}
