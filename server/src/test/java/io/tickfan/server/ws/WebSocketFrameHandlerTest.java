package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.protocol.CloseCodes;
import io.tickfan.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An upgraded connection's frames, as bytes through the real decoders: each way of breaking
 * protocol v1 ends in its close code (the frame handler answers what the decoders report), and
 * the connection closes with it.
 */
class WebSocketFrameHandlerTest {
    private static final int MAX_FRAME_BYTES = 256;

    private EmbeddedWebSocket ws;

    private void open(long idleTimeoutMs) {
        ws = new EmbeddedWebSocket(c -> c.with(ServerConfig.WS_MAX_FRAME_BYTES, MAX_FRAME_BYTES)
                .with(ServerConfig.WS_IDLE_TIMEOUT_MS, idleTimeoutMs));
        assertTrue(ws.upgrade().startsWith("HTTP/1.1 101"));
    }

    private void open() {
        open(60_000);
    }

    @AfterEach
    void close() {
        ws.close();
    }

    /** The one frame the server answered with, released; asserts it was a close with {@code code}. */
    private void assertClosedWith(int code) {
        final List<WebSocketFrame> frames = ws.received();
        try {
            assertEquals(1, frames.size(), frames.toString());
            final CloseWebSocketFrame close = assertInstanceOf(CloseWebSocketFrame.class, frames.get(0));
            assertEquals(code, close.statusCode(), close.reasonText());
        } finally {
            frames.forEach(WebSocketFrame::release);
        }
        assertFalse(ws.http.channel.isActive());
        assertEquals(0, ws.http.context.sessions.size(), "the session left the registry");
    }

    @Test
    void shouldCloseAFragmentedMessageWith4003() {
        open();
        ws.send(new TextWebSocketFrame(false, 0, Unpooled.copiedBuffer("{\"op\":", StandardCharsets.UTF_8)));
        assertClosedWith(4003);
    }

    @Test
    void shouldCloseAStrayContinuationFrameWith1002() {
        open();
        ws.send(new ContinuationWebSocketFrame(Unpooled.copiedBuffer("x", StandardCharsets.UTF_8)));
        assertClosedWith(1002);
    }

    @Test
    void shouldCloseABinaryFrameWith1003() {
        open();
        ws.send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2, 3})));
        assertClosedWith(1003);
    }

    @Test
    void shouldCloseAnOversizedFrameWith1009() {
        open();
        ws.send(new TextWebSocketFrame("x".repeat(MAX_FRAME_BYTES + 1)));
        assertClosedWith(1009);
    }

    @Test
    void shouldCloseInvalidUtf8With1007() {
        open();
        ws.send(new TextWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'})));
        assertClosedWith(1007);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "C0 AF", // overlong '/'
                "E0 80 AF", // overlong, three bytes
                "ED A0 80", // a UTF-16 surrogate
                "F4 90 80 80", // past U+10FFFF
                "F5 80 80 80", // a lead byte UTF-8 never uses
                "80", // a continuation byte alone
                "E2 82", // cut short
                "FF"
            })
    void shouldCloseEveryKindOfInvalidUtf8With1007(String hex) {
        open();
        final String[] parts = hex.split(" ");
        final byte[] payload = new byte[parts.length + 2];
        payload[0] = '"';
        for (int i = 0; i < parts.length; i++) {
            payload[i + 1] = (byte) Integer.parseInt(parts[i], 16);
        }
        payload[payload.length - 1] = '"';
        ws.send(new TextWebSocketFrame(Unpooled.wrappedBuffer(payload)));
        assertClosedWith(1007);
    }

    @Test
    void shouldTakeValidMultiByteUtf8() {
        open();
        ws.send(new TextWebSocketFrame("{\"op\":\"ping\",\"id\":\"\u00e9\u20ac\ud83d\ude00\"}"));
        final List<WebSocketFrame> frames = ws.received();
        try {
            assertEquals(1, frames.size(), frames.toString());
            final TextWebSocketFrame pong = assertInstanceOf(TextWebSocketFrame.class, frames.get(0));
            assertTrue(pong.text().contains("\u00e9\u20ac\ud83d\ude00"), pong.text());
        } finally {
            frames.forEach(WebSocketFrame::release);
        }
        assertTrue(ws.http.channel.isActive());
    }

    /**
     * An idle WebSocket holds what it needs and nothing more (every handler is a context and an
     * object per connection): one handler, the frame decoder that hands frames to the session. The
     * UTF-8 check is that handler's, frames out are bytes already (no encoder), and exceptions end
     * in it, so the client-error log goes too.
     */
    @Test
    void shouldKeepOnlyTheWebSocketHandlersAfterTheUpgrade() {
        open();
        assertEquals(
                List.of("ws"),
                ws.http.channel.pipeline().names().stream()
                        .filter(n -> !n.startsWith("DefaultChannelPipeline$"))
                        .toList());
    }

    @Test
    void shouldCloseAnUnmaskedFrameWith1002() {
        open();
        ws.sendUnmasked(new TextWebSocketFrame("{\"op\":\"ping\",\"id\":\"1\"}"));
        assertClosedWith(1002);
    }

    @Test
    void shouldCloseACloseFrameWithACodeBeyond4999With1002() {
        open();
        ws.send(new CloseWebSocketFrame(5000, "no such code"));
        assertClosedWith(1002);
    }

    @Test
    void shouldEchoANormalCloseAndClose() {
        open();
        ws.send(new CloseWebSocketFrame(1000, "bye"));
        assertClosedWith(1000);
    }

    @Test
    void shouldAnswerAPingWithItsPayload() {
        open();
        ws.send(new PingWebSocketFrame(Unpooled.copiedBuffer("hb-7", StandardCharsets.US_ASCII)));
        final List<WebSocketFrame> frames = ws.received();
        try {
            assertEquals(1, frames.size());
            final PongWebSocketFrame pong = assertInstanceOf(PongWebSocketFrame.class, frames.get(0));
            assertEquals("hb-7", pong.content().toString(StandardCharsets.US_ASCII));
        } finally {
            frames.forEach(WebSocketFrame::release);
        }
        assertTrue(ws.http.channel.isActive());
    }

    @Test
    void shouldHandAWholeTextMessageToTheSession() {
        open();
        ws.send(new TextWebSocketFrame("{\"op\":\"ping\",\"id\":\"4\"}"));
        final List<WebSocketFrame> frames = ws.received();
        try {
            assertEquals(1, frames.size());
            final String text =
                    assertInstanceOf(TextWebSocketFrame.class, frames.get(0)).text();
            assertTrue(text.startsWith("{\"type\":\"pong\",\"id\":\"4\""), text);
        } finally {
            frames.forEach(WebSocketFrame::release);
        }
    }

    @Test
    void shouldPingAConnectionSilentForThePingInterval() {
        open();
        // The loop's clock is frozen: its session timer runs when the test moves it on.
        advanceMs(29_000);
        assertEquals(List.of(), ws.received(), "no ping before 30 s (ws.pingIntervalMs) of silence");
        advanceMs(1_000);
        final List<WebSocketFrame> frames = ws.received();
        try {
            assertEquals(1, frames.size());
            assertInstanceOf(PingWebSocketFrame.class, frames.get(0));
        } finally {
            frames.forEach(WebSocketFrame::release);
        }
        assertTrue(ws.http.channel.isActive());
    }

    @Test
    void shouldCloseAConnectionSilentForTheIdleTimeoutWith1001() {
        open(5_000);
        advanceMs(4_000);
        ws.send(new PingWebSocketFrame());
        advanceMs(4_900);
        final List<WebSocketFrame> pong = ws.received();
        pong.forEach(WebSocketFrame::release);
        assertTrue(ws.http.channel.isActive(), "a frame 4 s in restarted the silence");
        advanceMs(200);
        assertClosedWith(1001);
    }

    @Test
    void shouldCloseAtOnceAndArmNoResetTimerWhenTheCloseFrameIsWritten() {
        open();
        assertEquals(1, ws.http.context.sessions.restartAll(0));
        ws.http.channel.runPendingTasks();
        assertClosedWith(CloseCodes.SERVICE_RESTART);
        // Nothing left on the loop's clock: its session timer stopped with its last session, and
        // a close frame the kernel took arms no reset (an admin drop of 15,000 would arm 15,000).
        assertEquals(-1, ws.http.channel.runScheduledPendingTasks(), "next scheduled task, ns");
    }

    @Test
    void shouldResetAConnectionWhoseCloseFrameIsStuckAfterTheCloseTimeout() {
        open();
        // The kernel takes nothing more: writes stay queued, as behind a slow consumer's backlog.
        final List<Object> held = new ArrayList<>();
        ws.http.channel.pipeline().addFirst("stuck", new ChannelOutboundHandlerAdapter() {
            @Override
            public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
                held.add(msg);
            }
        });
        try {
            ws.http.context.sessions.restartAll(0);
            ws.http.channel.runPendingTasks();
            assertTrue(ws.http.channel.isActive(), "open while its close frame is queued");
            advanceMs(WebSocketSession.CLOSE_TIMEOUT_MS - 1);
            assertTrue(ws.http.channel.isActive(), "not reset before the close timeout");
            advanceMs(1);
            assertFalse(ws.http.channel.isActive(), "reset after the close timeout");
            assertEquals(0, ws.http.context.sessions.size(), "the session left the registry");
        } finally {
            held.forEach(ReferenceCountUtil::release);
        }
    }

    /** Moves the connection's loop clock on by {@code ms} and runs the timers that came due. */
    private void advanceMs(long ms) {
        ws.http.channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        ws.http.channel.runScheduledPendingTasks();
    }

    @Test
    void shouldCloseAndLogOneLineForAnExceptionNoFrameExplains() {
        // No line lets through (limit 0), so each exception that reaches the log is counted.
        ws = new EmbeddedWebSocket(c -> c.with(ServerConfig.LOG_CLIENT_ERRORS_PER_MINUTE, 0));
        assertTrue(ws.upgrade().startsWith("HTTP/1.1 101"));
        ws.http.channel.pipeline().fireExceptionCaught(new IllegalStateException("a defect"));
        assertFalse(ws.http.channel.isActive());
        assertEquals(1, notLogged(), "an unexpected exception reaches the rate-limited log");
        ws.http.channel.checkException(); // taken by the handler, not left to Netty's tail
    }

    @Test
    void shouldCloseQuietlyWhenThePeerResets() {
        ws = new EmbeddedWebSocket(c -> c.with(ServerConfig.LOG_CLIENT_ERRORS_PER_MINUTE, 0));
        assertTrue(ws.upgrade().startsWith("HTTP/1.1 101"));
        ws.http.channel.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
        assertFalse(ws.http.channel.isActive());
        assertEquals(0, notLogged(), "a reset is how clients leave: no line, not even a counted one");
    }

    private long notLogged() {
        return ws.http.engine.counters().get(io.tickfan.server.metrics.Counters.Counter.CLIENT_ERRORS_NOT_LOGGED);
    }

    @Test
    void shouldLetGoOfARateBucketThatFilledUpAndStillLimitTheNextBurst() throws InterruptedException {
        // No ping and no idle close while the test moves the loop's clock on.
        ws = new EmbeddedWebSocket(c -> c.with(ServerConfig.MESSAGES_PER_SECOND, 5)
                .with(ServerConfig.MESSAGE_BURST, 2)
                .with(ServerConfig.WS_PING_INTERVAL_MS, 3_600_000)
                .with(ServerConfig.WS_IDLE_TIMEOUT_MS, 3_600_000));
        assertTrue(ws.upgrade().startsWith("HTTP/1.1 101"));
        final WebSocketSession session =
                ((WebSocketFrameHandler) ws.http.channel.pipeline().get("ws")).session();
        assertFalse(session.holdsRateBucket(), "no message yet, no bucket");
        ws.send(new TextWebSocketFrame("{\"op\":\"ping\",\"id\":\"1\"}"));
        assertTrue(session.holdsRateBucket());
        // The bucket keeps the real clock: the one token taken is back within 200 ms at 5 a second,
        // and the loop's session timer (run by moving the loop's clock on) then lets the bucket go.
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (session.holdsRateBucket()) {
            assertTrue(System.nanoTime() < deadline, "a full bucket is let go");
            TimeUnit.MILLISECONDS.sleep(10);
            advanceMs(250); // one period of the loop's session timer
        }

        for (int i = 0; i < 3; i++) {
            ws.send(new TextWebSocketFrame("{\"op\":\"ping\",\"id\":\"" + i + "\"}"));
        }
        final List<WebSocketFrame> frames = ws.received();
        try {
            final List<String> texts =
                    frames.stream().map(f -> ((TextWebSocketFrame) f).text()).toList();
            assertEquals(4, texts.size(), texts.toString()); // the first pong, then two pongs and a refusal
            assertTrue(texts.get(3).contains("rate_limited"), texts.toString());
        } finally {
            frames.forEach(WebSocketFrame::release);
        }
    }

    @Test
    void shouldAnswerEveryFrameWhetherFramesShareAReadOrOneIsSplitAcrossReads() {
        open();
        // Three masked frames as one run of bytes, as a browser's writes can reach the server.
        final io.netty.channel.embedded.EmbeddedChannel encoder = new io.netty.channel.embedded.EmbeddedChannel(
                new io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder(true));
        final io.netty.buffer.ByteBuf wire = Unpooled.buffer();
        for (int i = 0; i < 3; i++) {
            encoder.writeOutbound(new TextWebSocketFrame("{\"op\":\"ping\",\"id\":\"" + i + "\"}"));
            for (io.netty.buffer.ByteBuf b; (b = encoder.readOutbound()) != null; ) {
                wire.writeBytes(b);
                b.release();
            }
        }
        encoder.finishAndReleaseAll();
        // The first frame and a byte of the second in one read, a lone byte, then the rest: every
        // frame is handled once and in order.
        final int firstEnd = wire.readableBytes() / 3;
        ws.http.channel.writeInbound(wire.readRetainedSlice(firstEnd + 1));
        ws.http.channel.writeInbound(wire.readRetainedSlice(1));
        ws.http.channel.writeInbound(wire.readRetainedSlice(wire.readableBytes()));
        wire.release();
        final List<WebSocketFrame> frames = ws.received();
        try {
            final List<String> ids = frames.stream()
                    .map(f -> ((TextWebSocketFrame) f).text())
                    .map(t -> t.substring(t.indexOf("\"id\":\"") + 6, t.indexOf("\"id\":\"") + 7))
                    .toList();
            assertEquals(List.of("0", "1", "2"), ids);
        } finally {
            frames.forEach(WebSocketFrame::release);
        }
        assertTrue(ws.http.channel.isActive());
    }
}
