package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.tickfan.protocol.Tick;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebSocketFrameReaderTest {
    private final ClientTransport transport = ClientTransport.create(1, false);
    private final List<String> ticks = new ArrayList<>();
    private final List<Long> times = new ArrayList<>();

    @AfterEach
    void close() {
        transport.close();
    }

    private TickfanClient client(boolean wantsPrices) {
        final TickfanClient client = new TickfanClient(
                transport,
                ClientOptions.of(URI.create("ws://127.0.0.1:1/ws"), null).withBackoff(null),
                new ClientListener() {
                    @Override
                    public boolean wantsPrices() {
                        return wantsPrices;
                    }

                    @Override
                    public void onTick(TickfanClient c, Tick tick, long receivedNs, int status, long missing) {
                        ticks.add(tick.symbol + ":" + tick.seq + ":" + TickStatus.name(status) + ":"
                                + (tick.has(Tick.BID) ? "bid" : "-"));
                        times.add(receivedNs);
                    }
                });
        client.subscribe(List.of("AAA", "BB"));
        client.eventLoop().submit(() -> {}).syncUninterruptibly();
        return client;
    }

    private static String tick(String symbol, long seq, String extra) {
        return "{\"type\":\"tick\",\"sym\":\"" + symbol + "\",\"seq\":" + seq + ",\"ts\":1732356000123456789"
                + ",\"ingest\":1732356000123500000,\"bid\":189.12,\"ask\":189.14" + extra + "}";
    }

    private static ByteBuf frame(int b0, String payload) {
        return frame(b0, payload.getBytes(StandardCharsets.UTF_8));
    }

    private static ByteBuf frame(int b0, byte[] payload) {
        final ByteBuf b = Unpooled.buffer();
        b.writeByte(b0);
        if (payload.length < 126) {
            b.writeByte(payload.length);
        } else {
            b.writeByte(126).writeShort(payload.length);
        }
        return b.writeBytes(payload);
    }

    @Test
    void shouldReadManyFramesPerReadAndFramesSplitAcrossReads() {
        final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameReader(client(false), 65536));
        final ByteBuf all = Unpooled.buffer();
        all.writeBytes(frame(0x81, tick("AAA", 1, ",\"snap\":true")));
        all.writeBytes(frame(0x81, tick("AAA", 2, "")));
        all.writeBytes(frame(0x81, tick("BB", 5, ",\"pad\":\"" + "x".repeat(200) + "\"")));
        all.writeBytes(frame(0x81, tick("AAA", 4, "")));
        all.writeBytes(frame(0x81, tick("ZZ", 1, "")));
        all.writeBytes(frame(0x81, "{\"type\":\"ack\",\"id\":\"9\",\"op\":\"ping\"}"));
        final int firstRead = all.readableBytes() - 100;
        ch.writeInbound(all.readRetainedSlice(firstRead));
        assertEquals(4, ticks.size(), "the frames complete in the first read: " + ticks);
        ch.writeInbound(all.readRetainedSlice(1));
        ch.writeInbound(all.readRetainedSlice(all.readableBytes()));
        all.release();
        assertEquals(
                List.of("AAA:1:snapshot:-", "AAA:2:in_order:-", "BB:5:first:-", "AAA:4:gap:-", "ZZ:1:unsubscribed:bid"),
                ticks);
        assertEquals(times.get(0), times.get(3), "one receive time per read");
        assertTrue(times.get(4) >= times.get(3));
        assertTrue(ch.isOpen());
        assertFalse(ch.finish());
    }

    private static byte[] binaryTick(String symbol, long seq, int flags) {
        final Tick t = new Tick();
        t.seq = seq;
        t.exchangeTimeNs = 1_732_356_000_123_456_789L;
        t.ingestTimeNs = 1_732_356_000_123_500_000L;
        t.bid = io.tickfan.protocol.Decimals.parse("189.12");
        t.fieldMask = Tick.BID;
        final ByteBuf b = Unpooled.buffer();
        io.tickfan.protocol.BinaryTicks.write(b, symbol.getBytes(StandardCharsets.US_ASCII), t, flags);
        final byte[] bytes = new byte[b.readableBytes()];
        b.readBytes(bytes).release();
        return bytes;
    }

    @Test
    void shouldReadBinaryTicksBySymbolBytesWithTheSameSeqChecksAsJson() {
        final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameReader(client(false), 65536));
        final ByteBuf all = Unpooled.buffer();
        all.writeBytes(frame(0x82, binaryTick("AAA", 1, Tick.FLAG_SNAPSHOT)));
        all.writeBytes(frame(0x82, binaryTick("AAA", 2, 0)));
        all.writeBytes(frame(0x82, binaryTick("AAA", 4, 0)));
        all.writeBytes(frame(0x82, binaryTick("ZZ", 1, 0)));
        all.writeBytes(frame(0x82, new byte[] {9, 9, 9})); // not a binary tick: dropped
        all.writeBytes(frame(0x81, tick("BB", 7, "")));
        ch.writeInbound(all);
        assertEquals(
                List.of(
                        "AAA:1:snapshot:bid",
                        "AAA:2:in_order:bid",
                        "AAA:4:gap:bid",
                        "ZZ:1:unsubscribed:bid",
                        "BB:7:first:-"),
                ticks);
        assertTrue(ch.isOpen());
        assertFalse(ch.finish());
    }

    @Test
    void shouldDecodePricesWhenTheListenerWantsThem() {
        final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameReader(client(true), 65536));
        ch.writeInbound(frame(0x81, tick("AAA", 1, "")));
        assertEquals(List.of("AAA:1:first:bid"), ticks);
        assertFalse(ch.finish());
    }

    @Test
    void shouldAssembleFragmentedMessages() {
        final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameReader(client(false), 65536));
        final String json = tick("BB", 1, "");
        final ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(frame(0x01, json.substring(0, 10)));
        buf.writeBytes(frame(0x8A, "")); // a pong between fragments is allowed and ignored
        buf.writeBytes(frame(0x00, json.substring(10, 30)));
        buf.writeBytes(frame(0x80, json.substring(30)));
        ch.writeInbound(buf);
        assertEquals(List.of("BB:1:first:-"), ticks);
        assertFalse(ch.finish());
    }

    @Test
    void shouldPassPingAndCloseUpAndIgnoreFramesAfterClose() {
        final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameReader(client(false), 65536));
        final ByteBuf buf = Unpooled.buffer();
        buf.writeBytes(frame(0x89, "hi"));
        final ByteBuf close = Unpooled.buffer().writeShort(4001).writeBytes("restart".getBytes(StandardCharsets.UTF_8));
        final byte[] closeBody = new byte[close.readableBytes()];
        close.readBytes(closeBody);
        close.release();
        buf.writeBytes(frame(0x88, closeBody));
        buf.writeBytes(frame(0x81, tick("AAA", 1, "")));
        ch.writeInbound(buf);
        final PingWebSocketFrame ping = assertInstanceOf(PingWebSocketFrame.class, ch.readInbound());
        assertEquals("hi", ping.content().toString(StandardCharsets.UTF_8));
        ping.release();
        final CloseWebSocketFrame closeFrame = assertInstanceOf(CloseWebSocketFrame.class, ch.readInbound());
        assertEquals(4001, closeFrame.statusCode());
        assertEquals("restart", closeFrame.reasonText());
        closeFrame.release();
        assertTrue(ticks.isEmpty(), "nothing after a close frame: " + ticks);
        assertFalse(ch.finish());
    }

    @Test
    void shouldCloseWithProtocolErrorOnAMaskedFrame() {
        final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameReader(client(false), 65536));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, 5, 6}));
        final CloseWebSocketFrame sent = assertInstanceOf(CloseWebSocketFrame.class, ch.readOutbound());
        assertEquals(1002, sent.statusCode());
        sent.release();
        assertFalse(ch.isOpen());
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldCloseWithMessageTooBigOverTheLimit() {
        final EmbeddedChannel ch = new EmbeddedChannel(new WebSocketFrameReader(client(false), 100));
        ch.writeInbound(frame(0x81, "x".repeat(200)));
        final CloseWebSocketFrame sent = assertInstanceOf(CloseWebSocketFrame.class, ch.readOutbound());
        assertEquals(1009, sent.statusCode());
        sent.release();
        assertFalse(ch.isOpen());
        assertTrue(ticks.isEmpty());
        ch.finishAndReleaseAll();
    }
}
