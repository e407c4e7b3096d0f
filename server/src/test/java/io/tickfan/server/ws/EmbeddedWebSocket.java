package io.tickfan.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.http.EmbeddedHttp;
import io.tickfan.server.testing.TestTokens;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A WebSocket connection on an {@link EmbeddedHttp} pipeline: the upgrade request as a browser
 * sends it, and frames in and out as bytes, masked by Netty's client encoder and read back with its
 * client decoder, so the server's decoders, UTF-8 validator and frame handler all run.
 */
final class EmbeddedWebSocket implements AutoCloseable {
    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";

    final EmbeddedHttp http;
    private final EmbeddedChannel encoder = new EmbeddedChannel(new WebSocket13FrameEncoder(true));
    private final EmbeddedChannel unmaskedEncoder = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
    private final EmbeddedChannel decoder = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));

    EmbeddedWebSocket(UnaryOperator<ServerConfig> settings) {
        http = new EmbeddedHttp(settings).connectionPipeline();
    }

    /** The upgrade request of a browser offering {@code protocols} in {@code Sec-WebSocket-Protocol}. */
    String upgradeRequest(String protocols, String... headers) {
        final List<String> all = new ArrayList<>(List.of(
                "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Key: " + KEY, "Sec-WebSocket-Version: 13"));
        if (protocols != null) {
            all.add("Sec-WebSocket-Protocol: " + protocols);
        }
        all.addAll(List.of(headers));
        return EmbeddedHttp.get(http.context.wsPath, all.toArray(new String[0]));
    }

    /** Upgrades with a valid token; returns the server's answer (the 101 head). */
    String upgrade() {
        http.send(upgradeRequest("tickfan.v1, bearer." + TestTokens.valid()));
        return http.written();
    }

    /** Sends {@code frame} (released) as a browser would: masked. */
    void send(WebSocketFrame frame) {
        send(encoder, frame);
    }

    /** Sends {@code frame} (released) unmasked, which a server must refuse. */
    void sendUnmasked(WebSocketFrame frame) {
        send(unmaskedEncoder, frame);
    }

    private void send(EmbeddedChannel with, WebSocketFrame frame) {
        with.writeOutbound(frame);
        for (ByteBuf b; (b = with.readOutbound()) != null; ) {
            http.channel.writeInbound(b);
        }
    }

    /** The frames the server wrote since the last call; the caller releases them. */
    List<WebSocketFrame> received() {
        for (ByteBuf b; (b = http.channel.readOutbound()) != null; ) {
            decoder.writeInbound(b);
        }
        final List<WebSocketFrame> frames = new ArrayList<>();
        for (WebSocketFrame f; (f = decoder.readInbound()) != null; ) {
            frames.add(f);
        }
        return frames;
    }

    @Override
    public void close() {
        encoder.finishAndReleaseAll();
        unmaskedEncoder.finishAndReleaseAll();
        decoder.finishAndReleaseAll();
        http.close();
    }
}
