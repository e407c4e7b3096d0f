package io.tickfan.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.tickfan.protocol.SseEvents;
import io.tickfan.protocol.Tick;
import io.tickfan.protocol.TickEncoder;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.EngineSettings;
import io.tickfan.server.fanout.FanoutEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The write path WebSocket and SSE sessions share, on an {@link EmbeddedChannel} (no socket, so
 * every batch takes the pipeline): shared frames written as duplicates, one flush per batch and
 * none when nothing was written, the session's own conflated copy, DATA frames on an HTTP/2
 * stream, and Netty's backlog until the flush.
 */
class ChannelTicksTest {
    private static final byte[] SYMBOL = "AAA".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EPOCH = "e1".getBytes(StandardCharsets.US_ASCII);

    private final FlushCounter flushes = new FlushCounter();
    private final EmbeddedChannel channel = new EmbeddedChannel(flushes, new ChannelInboundHandlerAdapter());
    private final FanoutEngine engine =
            new FanoutEngine(channel.eventLoop(), new EngineSettings(16, 1 << 16, 1024, 256, 16, 60_000));
    private final List<EncodedTick> made = new ArrayList<>();

    @AfterEach
    void close() {
        engine.close();
        channel.finishAndReleaseAll();
        for (EncodedTick t : made) {
            assertEquals(1, t.refCnt(), "nothing kept a reference of tick " + t.seq());
            t.release();
        }
    }

    private ChannelTicks ticks(int variant, boolean http2) {
        // The session's handler sits behind the flush counter, as a session's behind the encoders.
        return new ChannelTicks(channel.pipeline().lastContext(), variant, http2, true);
    }

    @Test
    void shouldWriteTheSharedFramesOfABatchAndFlushOnce() {
        final ChannelTicks out = ticks(BatchWriter.WEBSOCKET, false);
        final EncodedTick[] batch = {tick(1), tick(2)};
        final long bytes = out.writeTicks(batch, 2);
        assertEquals(
                batch[0].webSocketFrame().readableBytes()
                        + batch[1].webSocketFrame().readableBytes(),
                bytes);
        assertTrue(out.hasBacklog(), "written, not flushed: Netty holds the bytes");
        assertEquals(0, flushes.count);

        out.flush();
        assertEquals(1, flushes.count, "one flush for the batch");
        assertFalse(out.hasBacklog());
        for (EncodedTick t : batch) {
            final ByteBuf written = channel.readOutbound();
            assertEquals(t.webSocketFrame(), written, "the shared frame's bytes");
            assertEquals(2, t.webSocketFrame().refCnt(), "a retained duplicate, not a copy");
            written.release();
        }
        out.flush();
        assertEquals(1, flushes.count, "nothing written since: no flush");
    }

    @Test
    void shouldWriteATrailerAfterTheBatchAndFlushOnce() {
        final ChannelTicks out = ticks(BatchWriter.WEBSOCKET, false);
        final EncodedTick[] batch = {tick(1), tick(2)};
        final ByteBuf trailer = Unpooled.wrappedBuffer(new byte[] {(byte) 0x89, 0});
        final long bytes = out.writeTicks(batch, 2, trailer);
        assertEquals(
                batch[0].webSocketFrame().readableBytes()
                        + batch[1].webSocketFrame().readableBytes(),
                bytes,
                "the ticks' bytes, not the trailer's");
        out.flush();
        assertEquals(1, flushes.count, "one flush for the batch and its trailer");
        for (EncodedTick t : batch) {
            final ByteBuf written = channel.readOutbound();
            assertEquals(t.webSocketFrame(), written);
            written.release();
        }
        final ByteBuf last = channel.readOutbound();
        assertSame(trailer, last, "the trailer after the ticks");
        last.release();
    }

    @Test
    void shouldWriteTheConflatedCopyInTheSessionsVariant() {
        final EncodedTick t = tick(7);
        final ChannelTicks ws = ticks(BatchWriter.WEBSOCKET, false);
        final int bytes = ws.writeConflated(t);
        ws.flush();
        final ByteBuf frame = channel.readOutbound();
        assertEquals(bytes, frame.readableBytes());
        assertTrue(frame.toString(StandardCharsets.UTF_8).contains("\"cf\":true"), "flagged conflated");
        assertEquals(1, t.webSocketFrame().refCnt(), "its own copy: the shared frame untouched");
        frame.release();

        final ChannelTicks sse = ticks(BatchWriter.SSE, false);
        sse.writeConflated(t);
        sse.flush();
        final ByteBuf event = channel.readOutbound();
        final String text = event.toString(StandardCharsets.UTF_8);
        assertTrue(text.startsWith("id: e1-7\n"), "the tick's own resume point: " + text);
        assertTrue(text.contains("\"cf\":true"), text);
        event.release();
    }

    @Test
    void shouldWriteAnHttp2StreamsTicksAsDataFrames() {
        final ChannelTicks out = ticks(BatchWriter.SSE, true);
        final EncodedTick t = tick(3);
        out.writeEach(new EncodedTick[] {t}, 0, 1);
        assertTrue(out.takeUnflushed(), "the caller flushes the connection once for all its streams");
        assertFalse(out.takeUnflushed());
        assertEquals(0, flushes.count);
        channel.flush();
        final Http2DataFrame frame = assertInstanceOf(Http2DataFrame.class, channel.readOutbound());
        assertEquals(t.sseEvent(), frame.content());
        assertFalse(frame.isEndStream());
        frame.release();
        assertNull(channel.readOutbound());
    }

    private EncodedTick tick(long seq) {
        final Tick t = new Tick();
        t.seq = seq;
        t.fieldMask = Tick.BID;
        t.bid = 100 + seq;
        final ByteBuf ws = TickEncoder.webSocketFrame(UnpooledByteBufAllocator.DEFAULT, SYMBOL, t, 0);
        final ByteBuf sse = SseEvents.tickEvent(
                UnpooledByteBufAllocator.DEFAULT,
                EPOCH,
                seq,
                ws,
                TickEncoder.FRAME_HEADROOM,
                ws.writerIndex() - TickEncoder.FRAME_HEADROOM);
        final EncodedTick e = EncodedTick.of(0, SYMBOL, t, seq, ws, sse);
        made.add(e);
        return e;
    }
}
