package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Http2TickWriter} on a real Netty HTTP/2 server codec in an embedded channel, fed by
 * Netty's frame writer as the client and read back with its frame reader: the DATA frames on the
 * wire, the windows in the flow controller, the flushes of the connection.
 */
class Http2TickWriterTest {
    private static final String E1 = "id: 1\ndata: {\"s\":\"A\",\"q\":1}\n\n";
    private static final String E2 = "id: 2\ndata: {\"s\":\"A\",\"q\":2}\n\n";
    private static final String E3 = "id: 3\ndata: {\"s\":\"A\",\"q\":3}\n\n";

    private final Map<Integer, Http2StreamChannel> children = new HashMap<>();
    private final List<Runnable> afterBatch = new ArrayList<>();
    private final Client client = new Client();
    private final List<ByteBuf> shared = new ArrayList<>();
    private int flushes;
    private EmbeddedChannel server;
    private Http2TickWriter writer;

    /** A connection whose client announced {@code streamWindow} and opened streams 3, 5 and 7 (1 is the upgrade stream to a client-less embedded channel). */
    private void connect(int streamWindow) throws Exception {
        server = new EmbeddedChannel(
                Http2FrameCodecBuilder.forServer().build(),
                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel ch) {
                        children.put(ch.stream().id(), ch);
                        ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                ReferenceCountUtil.release(msg);
                            }
                        });
                    }
                }));
        server.pipeline().addFirst(new ChannelOutboundHandlerAdapter() {
            @Override
            public void flush(ChannelHandlerContext ctx) {
                flushes++;
                ctx.flush();
            }
        });
        server.writeInbound(client.prefaceAndStreams(streamWindow, 3, 5, 7));
        for (int id : new int[] {3, 5, 7}) {
            children.get(id).writeAndFlush(new DefaultHttp2HeadersFrame(new DefaultHttp2Headers().status("200")));
        }
        server.runPendingTasks();
        client.read(server); // settings, their ack, the response heads
        client.clear();
        flushes = 0;
        writer = Http2TickWriter.of(server, afterBatch::add);
        assertSame(writer, Http2TickWriter.of(server, afterBatch::add), "one writer per connection");
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.finishAndReleaseAll();
        }
        shared.forEach(ByteBuf::release);
        client.close();
    }

    @Test
    void shouldFrameEachStreamsBatchAroundTheSharedEventsAndFlushTheConnectionOnce() throws Exception {
        connect(65_535);
        final ByteBuf[] events = {event(E1), event(E2), event(E3)};
        final int bytes = E1.length() + E2.length() + E3.length();
        final Http2RemoteFlowController flow = flow();
        final int windowBefore = flow.windowSize(codec().connection().stream(3));
        final int connectionBefore = flow.windowSize(codec().connection().connectionStream());

        for (int id : new int[] {3, 5, 7}) {
            assertEquals(3, writer.writeEvents(id, events, 3));
        }
        assertEquals(0, flushes, "nothing flushed before the batch is written");
        assertEquals(1, afterBatch.size(), "one flush per connection and batch");
        afterBatch.remove(0).run();
        assertEquals(1, flushes);

        client.read(server);
        assertEquals(List.of("DATA 3", "DATA 5", "DATA 7"), client.frames, "one DATA frame per stream");
        for (int id : new int[] {3, 5, 7}) {
            assertEquals(E1 + E2 + E3, client.data(id), "the shared events, in order");
        }
        assertEquals(windowBefore - bytes, flow.windowSize(codec().connection().stream(3)));
        assertEquals(
                connectionBefore - 3 * bytes,
                flow.windowSize(codec().connection().connectionStream()));
        for (ByteBuf e : events) {
            assertEquals(1, e.refCnt(), "the duplicates were released once written");
            assertEquals(0, e.readerIndex(), "the shared bytes were not consumed");
        }
    }

    @Test
    void shouldWriteWhatTheWindowTakesAndLeaveTheRestToTheStreamWhileOtherStreamsGoOn() throws Exception {
        connect(40);
        final ByteBuf[] events = {event(E1), event(E2), event(E3)}; // more than 40 bytes in all
        final int bytes = E1.length() + E2.length() + E3.length();
        assertTrue(bytes > 40);
        server.writeInbound(client.windowUpdate(3, 1000));
        server.writeInbound(client.windowUpdate(5, 1000));

        assertEquals(1, writer.writeEvents(7, events, 3), "stream 7's window takes the first event only");
        assertEquals(40 - E1.length(), flow().windowSize(codec().connection().stream(7)));
        assertEquals(3, writer.writeEvents(3, events, 3));
        assertEquals(3, writer.writeEvents(5, events, 3));
        assertEquals(0, writer.writeEvents(7, new ByteBuf[] {events[1]}, 1), "nothing more fits");
        afterBatch.remove(0).run();
        client.read(server);
        assertEquals(List.of("DATA 7", "DATA 3", "DATA 5"), client.frames);
        assertEquals(E1, client.data(7));
        assertEquals(E1 + E2 + E3, client.data(5));
    }

    @Test
    void shouldNotOvertakeARecordWaitingInTheFlowController() throws Exception {
        connect(65_535);
        // A record written through the stream's channel and not flushed yet: it waits in Netty's
        // flow controller, so the batch must queue behind it, through the stream's channel too.
        children.get(7).write(new DefaultHttp2DataFrame(event(E1).retainedDuplicate()));
        final ByteBuf[] events = {event(E2)};
        assertEquals(0, writer.writeEvents(7, events, 1), "the window covers it, but a record waits");
        children.get(7).writeAndFlush(new DefaultHttp2DataFrame(events[0].retainedDuplicate()));
        client.read(server);
        assertEquals(E1 + E2, client.data(7));
        events[0] = event(E3);
        assertEquals(1, writer.writeEvents(7, events, 1), "nothing waits any more");
        afterBatch.remove(0).run();
        client.read(server);
        assertEquals(E1 + E2 + E3, client.data(7), "in order");
    }

    @Test
    void shouldNeverSendBeyondTheConnectionWindow() throws Exception {
        connect(1 << 20);
        // The connection window stays at the default 65,535 bytes: 3 x 30,000 do not fit.
        final ByteBuf half = event("data: " + "y".repeat(14_992) + "\n\n");
        final ByteBuf[] events = {half, half};
        assertEquals(2, writer.writeEvents(7, events, 2));
        assertEquals(2, writer.writeEvents(3, events, 2));
        assertEquals(0, writer.writeEvents(5, events, 2), "5,535 bytes left on the connection");
        afterBatch.remove(0).run();
        client.read(server);
        assertEquals(5_535, flow().windowSize(codec().connection().connectionStream()));
    }

    @Test
    void shouldSplitABatchAtThePeersMaxFrameSize() throws Exception {
        connect(1 << 20);
        final String big = "data: " + "x".repeat(7000) + "\n\n";
        final ByteBuf[] events = {event(big), event(big), event(big)};
        writer.writeEvents(7, events, 3);
        afterBatch.remove(0).run();
        client.read(server);
        assertEquals(List.of("DATA 7", "DATA 7"), client.frames, "16 KiB at most per frame, whole events");
        assertEquals(big.repeat(3), client.data(7));
    }

    @Test
    void shouldWriteNothingToAStreamThatIsGone() throws Exception {
        connect(65_535);
        final ByteBuf[] events = {event(E1)};
        assertEquals(0, writer.writeEvents(9, events, 1));
        assertTrue(afterBatch.isEmpty());
    }

    private ByteBuf event(String text) {
        final ByteBuf b = Unpooled.directBuffer().writeBytes(text.getBytes(StandardCharsets.UTF_8));
        shared.add(b);
        return b;
    }

    private Http2FrameCodec codec() {
        return server.pipeline().get(Http2FrameCodec.class);
    }

    private Http2RemoteFlowController flow() {
        return codec().encoder().flowController();
    }

    /** The client half: frames written with Netty's frame writer, the server's read with its reader. */
    private static final class Client {
        private final EmbeddedChannel scratch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        private final ChannelHandlerContext ctx = scratch.pipeline().firstContext();
        private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
        private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader();
        final List<String> frames = new ArrayList<>();
        final Map<Integer, StringBuilder> data = new HashMap<>();

        ByteBuf prefaceAndStreams(int streamWindow, int... ids) {
            final ByteBuf out = Unpooled.buffer();
            final ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            out.writeBytes(preface);
            preface.release();
            writer.writeSettings(ctx, new Http2Settings().initialWindowSize(streamWindow), ctx.newPromise());
            for (int id : ids) {
                final Http2Headers headers = new DefaultHttp2Headers()
                        .method("GET")
                        .scheme("http")
                        .authority("localhost")
                        .path("/sse?symbols=A");
                writer.writeHeaders(ctx, id, headers, 0, true, ctx.newPromise());
            }
            return drain(out);
        }

        ByteBuf windowUpdate(int streamId, int increment) {
            writer.writeWindowUpdate(ctx, streamId, increment, ctx.newPromise());
            return drain(Unpooled.buffer());
        }

        private ByteBuf drain(ByteBuf out) {
            ctx.flush();
            for (ByteBuf b; (b = scratch.readOutbound()) != null; ) {
                out.writeBytes(b);
                b.release();
            }
            return out;
        }

        String data(int streamId) {
            final StringBuilder b = data.get(streamId);
            assertNotNull(b, "data on stream " + streamId);
            return b.toString();
        }

        void clear() {
            frames.clear();
            data.clear();
        }

        void read(EmbeddedChannel server) throws Http2Exception {
            server.runPendingTasks();
            final ByteBuf all = Unpooled.buffer();
            for (Object o; (o = server.readOutbound()) != null; ) {
                final ByteBuf b = (ByteBuf) o;
                all.writeBytes(b);
                b.release();
            }
            try {
                {
                    reader.readFrame(ctx, all, new Http2FrameAdapter() {
                        @Override
                        public int onDataRead(
                                ChannelHandlerContext c, int streamId, ByteBuf d, int padding, boolean end) {
                            frames.add("DATA " + streamId);
                            data.computeIfAbsent(streamId, k -> new StringBuilder())
                                    .append(d.toString(StandardCharsets.UTF_8));
                            return d.readableBytes() + padding;
                        }
                    });
                }
                assertFalse(all.isReadable(), "whole frames only");
            } finally {
                all.release();
            }
        }

        void close() {
            writer.close();
            reader.close();
            scratch.finishAndReleaseAll();
        }
    }
}
