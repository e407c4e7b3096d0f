package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SseEventsTest {
    private static final byte[] EPOCH = "k3x9".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf JSON = Unpooled.copiedBuffer("{\"sym\":\"A\"}", StandardCharsets.US_ASCII);

    private static String event(long[] positions) {
        final ByteBuf e =
                SseEvents.tickEvent(ByteBufAllocator.DEFAULT, EPOCH, positions, JSON, 0, JSON.readableBytes());
        try {
            return e.toString(StandardCharsets.US_ASCII);
        } finally {
            e.release();
        }
    }

    @Test
    void shouldWriteOnePositionSpaceInDecimalAsBefore() {
        assertEquals("id: k3x9-1042\nevent: tick\ndata: {\"sym\":\"A\"}\n\n", event(new long[] {1042}));
        assertArrayEquals(new long[] {1042}, SseEvents.parsePositions("k3x9-1042", "k3x9", 1));
    }

    @Test
    void shouldRoundTripAPositionVectorInBase36() {
        final long entryPosition = (1_796_000_000_000L << 22) | (3L << 12) | 511;
        final long[] positions = {entryPosition, 0, Long.MAX_VALUE, 35, 36};
        final String text = event(positions);
        final String id = text.substring(4, text.indexOf('\n'));
        assertEquals(
                "k3x9-" + Long.toString(entryPosition, 36) + ".0." + Long.toString(Long.MAX_VALUE, 36) + ".z.10", id);
        assertArrayEquals(positions, SseEvents.parsePositions(id, "k3x9", 5));
    }

    @Test
    void shouldWriteEveryMagnitudeInBase36() {
        final java.util.Random random = new java.util.Random(7);
        final long chunk = 36L * 36 * 36 * 36 * 36;
        final long[] edges = {0, 1, 35, 36, chunk - 1, chunk, chunk * chunk - 1, chunk * chunk, Long.MAX_VALUE};
        for (int i = 0; i < 10_000; i++) {
            final long value = i < edges.length ? edges[i] : (random.nextLong() >>> 1) >>> random.nextInt(63);
            final long[] positions = {value, i};
            final String text = event(positions);
            final String id = text.substring(4, text.indexOf('\n'));
            assertEquals("k3x9-" + Long.toString(value, 36) + "." + Long.toString(i, 36), id);
            assertArrayEquals(positions, SseEvents.parsePositions(id, "k3x9", 2));
        }
    }

    @Test
    void shouldRefuseVectorsOfAnotherEpochShapeOrAlphabet() {
        assertNull(SseEvents.parsePositions("other-1.2.3", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1.2", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1.2.3.4", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1..3", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1.2.", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1.2.A", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1.2.\u0663", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1.2." + "z".repeat(14), "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-", "k3x9", 3));
        assertNull(SseEvents.parsePositions(null, "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-12", "k3x9", 3));
        assertNull(SseEvents.parsePositions("k3x9-1.2", "k3x9", 1));
    }

    @Test
    void shouldKeepTheIdWhenReEncodingATick() {
        final long[] positions = {7, 8};
        final ByteBuf original =
                SseEvents.tickEvent(ByteBufAllocator.DEFAULT, EPOCH, positions, JSON, 0, JSON.readableBytes());
        final ByteBuf other = Unpooled.copiedBuffer("{\"cf\":true}", StandardCharsets.US_ASCII);
        final ByteBuf copy =
                SseEvents.tickEventLike(ByteBufAllocator.DEFAULT, original, other, 0, other.readableBytes());
        final ByteBuf id = Unpooled.buffer();
        try {
            assertEquals(
                    "id: k3x9-7.8\nevent: tick\ndata: {\"cf\":true}\n\n", copy.toString(StandardCharsets.US_ASCII));
            SseEvents.copyId(original, id);
            assertEquals("k3x9-7.8", id.toString(StandardCharsets.US_ASCII));
        } finally {
            original.release();
            copy.release();
            id.release();
            other.release();
        }
    }

    @Test
    void shouldWriteIdOnlyRecordsOfAVector() {
        final ByteBuf out = Unpooled.buffer();
        try {
            SseEvents.writeIdOnly(out, EPOCH, new long[] {36, 1});
            assertEquals("id: k3x9-10.1\n\n", out.toString(StandardCharsets.US_ASCII));
        } finally {
            out.release();
        }
    }
}
