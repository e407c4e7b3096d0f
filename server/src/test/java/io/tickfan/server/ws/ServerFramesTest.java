package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The session's own frames, read back by a client's decoder (Netty's, expecting unmasked frames). */
class ServerFramesTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private final EmbeddedChannel client =
            new EmbeddedChannel(new WebSocket13FrameDecoder(WebSocketDecoderConfig.newBuilder()
                    .expectMaskedFrames(false)
                    .maxFramePayloadLength(1 << 20)
                    .withUTF8Validator(true)
                    .build()));

    @AfterEach
    void close() {
        client.finishAndReleaseAll();
    }

    /** The one frame {@code bytes} decode to; nothing left over. */
    private WebSocketFrame read(ByteBuf bytes) {
        client.writeInbound(bytes);
        final WebSocketFrame frame = client.readInbound();
        assertNull(client.readInbound(), "one frame");
        assertTrue(frame.isFinalFragment());
        return frame;
    }

    @ParameterizedTest(name = "{0} characters")
    @ValueSource(ints = {0, 1, 125, 126, 0xFFFF, 0x10000, 100_000})
    void shouldFrameTextOfEveryLengthClass(int n) {
        final String text = "x".repeat(Math.max(0, n - 1)) + (n > 0 ? "\u00e9" : "");
        final TextWebSocketFrame frame =
                assertInstanceOf(TextWebSocketFrame.class, read(ServerFrames.text(ALLOC, text)));
        try {
            assertEquals(text, frame.text());
        } finally {
            frame.release();
        }
    }

    @Test
    void shouldFrameControlFramesWithAndWithoutPayload() {
        final PingWebSocketFrame ping =
                assertInstanceOf(PingWebSocketFrame.class, read(ServerFrames.control(ALLOC, ServerFrames.PING, null)));
        assertEquals(0, ping.content().readableBytes());
        ping.release();
        final ByteBuf payload = Unpooled.copiedBuffer("12345678", StandardCharsets.US_ASCII);
        final PongWebSocketFrame pong = assertInstanceOf(
                PongWebSocketFrame.class, read(ServerFrames.control(ALLOC, ServerFrames.PONG, payload)));
        assertEquals("12345678", pong.content().toString(StandardCharsets.US_ASCII));
        assertEquals(8, payload.readableBytes(), "the caller's payload is left as it was");
        pong.release();
        payload.release();
    }

    @Test
    void shouldRefuseAControlPayloadOverItsLimit() {
        final ByteBuf payload = Unpooled.wrappedBuffer(new byte[126]);
        assertThrows(IllegalArgumentException.class, () -> ServerFrames.control(ALLOC, ServerFrames.PONG, payload));
    }

    @Test
    void shouldCarryTheCloseCodeAndReason() {
        final CloseWebSocketFrame close =
                assertInstanceOf(CloseWebSocketFrame.class, read(ServerFrames.close(ALLOC, 4008, "slow consumer")));
        try {
            assertEquals(4008, close.statusCode());
            assertEquals("slow consumer", close.reasonText());
        } finally {
            close.release();
        }
    }

    @Test
    void shouldCutALongReasonAtACharacterBoundary() {
        final String reason = "\u20ac".repeat(60); // 180 bytes of UTF-8
        final CloseWebSocketFrame close =
                assertInstanceOf(CloseWebSocketFrame.class, read(ServerFrames.close(ALLOC, 4000, reason)));
        try {
            assertEquals(4000, close.statusCode());
            assertEquals("\u20ac".repeat(41), close.reasonText(), "123 bytes at most: 41 whole euro signs");
        } finally {
            close.release();
        }
    }
}
