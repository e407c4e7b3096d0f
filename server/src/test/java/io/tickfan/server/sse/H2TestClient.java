package io.tickfan.server.sse;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP/2 client over cleartext with prior knowledge (Netty's codec), for SSE tests that
 * need many streams on one connection or a stream that stops reading. Its windows are of the size
 * a browser might use (256 KiB per stream, 16 MiB for the connection), so a stalled stream cannot block
 * the connection from the client side.
 */
final class H2TestClient implements AutoCloseable {
    static final int STREAM_WINDOW_BYTES = 256 << 10;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel connection;
    private final int port;
    private final java.util.List<Stream> streams = new java.util.concurrent.CopyOnWriteArrayList<>();

    H2TestClient(int port) throws InterruptedException {
        this.port = port;
        this.connection = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast(Http2FrameCodecBuilder.forClient()
                                        .initialSettings(
                                                Http2Settings.defaultSettings().initialWindowSize(STREAM_WINDOW_BYTES))
                                        .build())
                                .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
                    }
                })
                .connect("127.0.0.1", port)
                .sync()
                .channel();
        connection.writeAndFlush(new DefaultHttp2WindowUpdateFrame(16 << 20)).sync();
    }

    /** A stream's response, as it arrives. */
    static final class Stream {
        volatile int status;
        volatile boolean ended;
        final StringBuilder body = new StringBuilder();
        final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
        final SseParser parser = new SseParser(events::add);
        Http2StreamChannel channel;

        /** Starts reading a stream opened with {@code read == false}. */
        void resumeReading() {
            channel.config().setAutoRead(true);
            channel.read();
        }

        SseEvent nextEvent(long timeoutMs) throws InterruptedException {
            return events.poll(timeoutMs, TimeUnit.MILLISECONDS);
        }

        /** Next record that is a tick event, skipping id-only records. */
        SseEvent nextTick(long timeoutMs) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (true) {
                final long left = deadline - System.nanoTime();
                final SseEvent e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
                if (e == null || e.isTick()) {
                    return e;
                }
            }
        }
    }

    /** Opens a GET stream; with {@code read} false the stream consumes nothing (its window closes). */
    Stream get(String pathAndQuery, String bearerToken, boolean read) throws InterruptedException {
        return get(pathAndQuery, bearerToken, read, null);
    }

    /** As {@link #get(String, String, boolean)}, with a {@code Last-Event-ID} header unless null. */
    Stream get(String pathAndQuery, String bearerToken, boolean read, String lastEventId) throws InterruptedException {
        final Stream stream = new Stream();
        final Http2StreamChannel channel = new Http2StreamChannelBootstrap(connection)
                .option(ChannelOption.AUTO_READ, read)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        try {
                            if (msg instanceof Http2HeadersFrame headers) {
                                stream.status = Integer.parseInt(
                                        headers.headers().status().toString());
                                stream.ended |= headers.isEndStream();
                            } else if (msg instanceof Http2DataFrame data) {
                                final String text = data.content().toString(StandardCharsets.UTF_8);
                                synchronized (stream.body) {
                                    stream.body.append(text);
                                }
                                stream.parser.feed(text);
                                stream.ended |= data.isEndStream();
                            }
                        } finally {
                            ReferenceCountUtil.release(msg);
                        }
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        stream.ended = true;
                    }
                })
                .open()
                .sync()
                .getNow();
        stream.channel = channel;
        streams.add(stream);
        final Http2Headers headers = new DefaultHttp2Headers()
                .method("GET")
                .path(pathAndQuery)
                .scheme("http")
                .authority("127.0.0.1:" + port);
        if (bearerToken != null) {
            headers.set("authorization", "Bearer " + bearerToken);
        }
        if (lastEventId != null) {
            headers.set("last-event-id", lastEventId);
        }
        channel.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true)).sync();
        return stream;
    }

    boolean isOpen() {
        return connection.isActive();
    }

    /**
     * Stops reading the connection's socket (a client that stalls: PINGs go unanswered, the
     * kernel's buffers fill) or starts again.
     */
    void reading(boolean read) throws InterruptedException {
        connection
                .eventLoop()
                .submit(() -> {
                    connection.config().setAutoRead(read);
                    if (read) {
                        connection.read();
                    }
                })
                .sync();
    }

    @Override
    public void close() {
        // Frames queued on a stream that was not reading are released as the stream drains them.
        for (Stream s : streams) {
            if (s.channel.isActive() && !s.channel.config().isAutoRead()) {
                s.channel.eventLoop().submit(s::resumeReading).syncUninterruptibly();
            }
        }
        connection.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
