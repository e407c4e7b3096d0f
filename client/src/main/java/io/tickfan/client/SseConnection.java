package io.tickfan.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.protocol.EpochNanos;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * One TCP connection carrying SSE streams: over HTTP/2 cleartext with prior knowledge (many
 * streams, each its own child channel) or over HTTP/1.1 (one stream). The client's windows are
 * large (4 MiB per stream, the connection's raised by 1 GiB) so flow control measures the server,
 * not this reader; bytes are returned to the window as each DATA frame is read.
 *
 * <p>A PING is answered the moment it is read ({@link PingAnswerer}), not at the end of the read
 * loop as Netty's codec would: the server asks PINGs as read receipts, and its answer must say how
 * far this reader has got, not how long one read loop (up to a megabyte of events) took.
 */
public final class SseConnection {
    /** Per-stream receive window. */
    public static final int STREAM_WINDOW_BYTES = 4 << 20;

    private static final int CONNECTION_WINDOW_INCREMENT = 1 << 30;

    private SseConnection() {}

    /** How the streams travel. */
    public enum Protocol {
        H2C,
        HTTP1
    }

    /**
     * Opens one connection to {@code remote} and on it every subscription ({@link Protocol#HTTP1}:
     * exactly one). Returns at once; outcomes arrive at each subscription's listener.
     *
     * @param localAddress source address to bind, or null
     * @return the connection's channel (close it to end every stream on it)
     */
    public static Channel open(
            ClientTransport transport,
            InetSocketAddress remote,
            InetSocketAddress localAddress,
            String token,
            Protocol protocol,
            List<SseSubscription> subscriptions) {
        if (protocol == Protocol.HTTP1 && subscriptions.size() != 1) {
            throw new IllegalArgumentException("HTTP/1.1 carries one stream per connection");
        }
        final String authority = remote.getHostString() + ":" + remote.getPort();
        final Bootstrap bootstrap = transport
                .bootstrap(transport.group().next(), localAddress)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (protocol == Protocol.H2C) {
                            addHttp2Handlers(ch.pipeline());
                        } else {
                            ch.pipeline()
                                    .addLast(new HttpClientCodec())
                                    .addLast(new Http1StreamHandler(subscriptions.get(0), authority, token));
                        }
                    }
                });
        final ChannelFuture connecting =
                localAddress == null ? bootstrap.connect(remote) : bootstrap.connect(remote, localAddress);
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                subscriptions.forEach(s -> s.onClosed(f.cause()));
                return;
            }
            if (protocol == Protocol.H2C) {
                final Channel ch = connecting.channel();
                ch.writeAndFlush(new DefaultHttp2WindowUpdateFrame(CONNECTION_WINDOW_INCREMENT));
                for (SseSubscription s : subscriptions) {
                    openStream(ch, s, authority, token);
                }
            }
        });
        return connecting.channel();
    }

    /** The connection's HTTP/2 handlers: frame codec, one child channel per stream, PING answers. */
    static void addHttp2Handlers(ChannelPipeline pipeline) {
        pipeline.addLast(Http2FrameCodecBuilder.forClient()
                        .initialSettings(Http2Settings.defaultSettings().initialWindowSize(STREAM_WINDOW_BYTES))
                        .autoAckPingFrame(false)
                        .build())
                .addLast(new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()))
                .addLast(new PingAnswerer());
    }

    private static void openStream(Channel connection, SseSubscription subscription, String authority, String token) {
        new Http2StreamChannelBootstrap(connection)
                .handler(new H2StreamHandler(subscription))
                .open()
                .addListener(f -> {
                    if (!f.isSuccess()) {
                        subscription.onClosed(f.cause());
                        return;
                    }
                    final Channel stream = (Channel) f.getNow();
                    final Http2Headers headers = new DefaultHttp2Headers()
                            .method("GET")
                            .path(subscription.pathAndQuery())
                            .scheme("http")
                            .authority(authority);
                    headers.set("accept", "text/event-stream");
                    if (token != null) {
                        headers.set("authorization", "Bearer " + token);
                    }
                    stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true));
                });
    }

    /**
     * Answers each PING as soon as it is read, flushed at once: by then every DATA frame before it
     * was handed to its stream. Netty's codec would write the ACK but flush it only when the read
     * loop ends (up to 16 reads of 64 KiB), so a busy connection would answer a second late.
     */
    static final class PingAnswerer extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http2PingFrame ping && !ping.ack()) {
                ctx.writeAndFlush(new DefaultHttp2PingFrame(ping.content(), true));
                return;
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** One HTTP/2 stream: headers give the status, DATA frames the event bytes. */
    private static final class H2StreamHandler extends ChannelInboundHandlerAdapter {
        private final SseSubscription subscription;

        H2StreamHandler(SseSubscription subscription) {
            this.subscription = subscription;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2DataFrame data) {
                    subscription.onContent(data.content(), EpochNanos.now());
                } else if (msg instanceof Http2HeadersFrame headers && subscription.status == 0) {
                    final CharSequence status = headers.headers().status();
                    subscription.onResponse(status == null ? 0 : Integer.parseInt(status.toString()));
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            subscription.onClosed(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** The one stream of an HTTP/1.1 connection: sends the GET once connected. */
    private static final class Http1StreamHandler extends ChannelInboundHandlerAdapter {
        private final SseSubscription subscription;
        private final String authority;
        private final String token;

        Http1StreamHandler(SseSubscription subscription, String authority, String token) {
            this.subscription = subscription;
            this.authority = authority;
            this.token = token;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            final DefaultFullHttpRequest request =
                    new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, subscription.pathAndQuery());
            request.headers().set(HttpHeaderNames.HOST, authority);
            request.headers().set(HttpHeaderNames.ACCEPT, "text/event-stream");
            if (token != null) {
                request.headers().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
            }
            ctx.writeAndFlush(request);
            ctx.fireChannelActive();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpResponse response) {
                    subscription.onResponse(response.status().code());
                }
                if (msg instanceof HttpContent content) {
                    subscription.onContent(content.content(), EpochNanos.now());
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            subscription.onClosed(null);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
