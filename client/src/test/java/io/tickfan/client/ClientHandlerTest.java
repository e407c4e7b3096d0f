package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ClientHandlerTest {
    private final ClientTransport transport = ClientTransport.create(1, false);

    @AfterEach
    void close() {
        transport.close();
    }

    @Test
    void shouldReportRejectionWithRetryAfterAndSendBearerToken() {
        final List<String> events = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        final URI uri = URI.create("ws://127.0.0.1:1/ws");
        final TickfanClient client = new TickfanClient(
                transport, ClientOptions.of(uri, "tok").withBackoff(Backoff.none()), new ClientListener() {
                    @Override
                    public void onRejected(TickfanClient c, int status, long retryAfterMs) {
                        events.add("rejected " + status + " " + retryAfterMs);
                    }

                    @Override
                    public void onReconnectScheduled(TickfanClient c, long delayMs, boolean honoured) {
                        delays.add(delayMs);
                        events.add("scheduled honoured=" + honoured);
                    }
                });
        final DefaultHttpHeaders headers = new DefaultHttpHeaders();
        headers.set(HttpHeaderNames.AUTHORIZATION, "Bearer tok");
        final EmbeddedChannel ch = new EmbeddedChannel(
                new HttpClientCodec(),
                new HttpObjectAggregator(65536),
                new ClientHandler(
                        client,
                        WebSocketClientHandshakerFactory.newHandshaker(
                                uri, WebSocketVersion.V13, ClientOptions.SUBPROTOCOL, false, headers, 65536)));
        final StringBuilder request = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            request.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertTrue(request.toString().contains("authorization: Bearer tok"), request.toString());
        assertTrue(request.toString().contains("sec-websocket-protocol: tickfan.v1"), request.toString());

        ch.writeInbound(Unpooled.copiedBuffer(
                "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 2\r\nContent-Length: 0\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertFalse(ch.isOpen(), "a refused upgrade closes the connection");
        ch.runPendingTasks();
        assertEquals("rejected 429 2000", events.get(0));
        assertEquals("scheduled honoured=true", events.get(1));
        assertTrue(delays.get(0) >= 2000, "Retry-After wins over backoff none: " + delays);
        client.close().syncUninterruptibly();
    }

    /**
     * A closed slow consumer sees the 4008 close frame when it fitted behind its backlog, else a
     * connection reset: the client must treat both alike, as a dropped connection (reconnect with
     * the same backoff, resume from its cursors).
     */
    @Test
    void shouldReconnectAlikeAfterASlowConsumerCloseAndAfterAReset() {
        final List<String> closeFrame = dropAfterOpen(ch -> ch.writeInbound(
                Unpooled.wrappedBuffer(new byte[] {(byte) 0x88, 2, (byte) (4008 >> 8), (byte) (4008 & 0xff)})));
        final List<String> reset = dropAfterOpen(ch -> {
            ch.pipeline().fireExceptionCaught(new java.net.SocketException("Connection reset"));
            ch.close();
        });
        assertEquals(List.of("closed 4008", "scheduled 150 honoured=false"), closeFrame);
        assertEquals(List.of("closed -1", "scheduled 150 honoured=false"), reset);
    }

    /** Opens a client on an embedded channel, completes the upgrade, then {@code drop}s it. */
    private List<String> dropAfterOpen(java.util.function.Consumer<EmbeddedChannel> drop) {
        final List<String> events = new ArrayList<>();
        final URI uri = URI.create("ws://127.0.0.1:1/ws");
        final TickfanClient client = new TickfanClient(
                transport,
                ClientOptions.of(uri, "tok").withBackoff(Backoff.exponential(150, 150, 2, 0)),
                new ClientListener() {
                    @Override
                    public void onClosed(TickfanClient c, int closeCode, String reason) {
                        events.add("closed " + closeCode);
                    }

                    @Override
                    public void onReconnectScheduled(TickfanClient c, long delayMs, boolean honoured) {
                        events.add("scheduled " + delayMs + " honoured=" + honoured);
                    }
                });
        final EmbeddedChannel ch = new EmbeddedChannel(
                new HttpClientCodec(),
                new HttpObjectAggregator(65536),
                new ClientHandler(
                        client,
                        WebSocketClientHandshakerFactory.newHandshaker(
                                uri,
                                WebSocketVersion.V13,
                                ClientOptions.SUBPROTOCOL,
                                false,
                                new DefaultHttpHeaders(),
                                65536)));
        final StringBuilder request = new StringBuilder();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            request.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        final java.util.regex.Matcher key =
                java.util.regex.Pattern.compile("(?i)sec-websocket-key: (\\S+)").matcher(request);
        assertTrue(key.find(), request.toString());
        ch.writeInbound(Unpooled.copiedBuffer(
                "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + accept(key.group(1)) + "\r\nSec-WebSocket-Protocol: "
                        + ClientOptions.SUBPROTOCOL + "\r\n\r\n",
                StandardCharsets.US_ASCII));
        assertTrue(ch.isOpen(), "upgraded");
        drop.accept(ch);
        assertFalse(ch.isOpen());
        ch.runPendingTasks();
        client.close().syncUninterruptibly();
        ch.finishAndReleaseAll();
        return events;
    }

    private static String accept(String key) {
        try {
            return java.util.Base64.getEncoder()
                    .encodeToString(java.security.MessageDigest.getInstance("SHA-1")
                            .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                    .getBytes(StandardCharsets.US_ASCII)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
