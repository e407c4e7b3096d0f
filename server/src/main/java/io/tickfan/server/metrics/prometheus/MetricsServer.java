package io.tickfan.server.metrics.prometheus;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.tickfan.server.metrics.MetricsScraper;
import io.tickfan.server.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The {@code metrics.port} listener: {@code GET /metrics} without auth, on one event loop of its
 * own so a scrape never runs on a loop that writes ticks. Meant for a port the clients' Service
 * does not expose (Kubernetes scrapes the pod directly).
 */
public final class MetricsServer implements AutoCloseable {
    private static final int MAX_REQUEST_BYTES = 8192;

    private final EventLoopGroup group;
    private final Channel listener;

    private MetricsServer(EventLoopGroup group, Channel listener) {
        this.group = group;
        this.listener = listener;
    }

    /**
     * @param reusePort listen with {@code SO_REUSEPORT} ({@code transport.reusePort})
     * @throws IllegalStateException with the bind failure as cause when the port cannot be bound
     */
    public static MetricsServer start(
            Transport transport, String host, int port, boolean reusePort, MetricsScraper metrics) {
        final EventLoopGroup group = transport.newGroup(1, "tickfan-metrics");
        final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannel())
                .childHandler(initializer(metrics));
        if (reusePort) {
            transport.reusePort(bootstrap);
        }
        final var bound = bootstrap.bind(host, port).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
            throw new IllegalStateException("cannot bind " + host + ":" + port, bound.cause());
        }
        return new MetricsServer(group, bound.channel());
    }

    /** Sets up each accepted scrape connection ({@link #initPipeline}); tests add it to an embedded channel. */
    static ChannelInitializer<Channel> initializer(MetricsScraper metrics) {
        return new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                initPipeline(ch.pipeline(), metrics);
            }
        };
    }

    /** A scrape connection's handlers. */
    private static void initPipeline(ChannelPipeline p, MetricsScraper metrics) {
        p.addLast(new ReadTimeoutHandler(30, TimeUnit.SECONDS))
                .addLast(new HttpServerCodec(4096, MAX_REQUEST_BYTES, MAX_REQUEST_BYTES))
                .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                .addLast(new ScrapeHandler(metrics));
    }

    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Closes the listening socket (a successor on the same port takes new scrapes); idempotent. */
    public void stopListening() {
        listener.close().awaitUninterruptibly();
    }

    @Override
    public void close() {
        listener.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A scrape's HTTP response; the caller writes (and so releases) it. */
    public static FullHttpResponse response(MetricsScraper metrics, FullHttpRequest request) {
        final MetricsScraper.Scrape scrape = metrics.scrape(request.headers().get(HttpHeaderNames.ACCEPT));
        final FullHttpResponse response = new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(scrape.body()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, scrape.contentType());
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, scrape.body().length);
        return response;
    }

    private static final class ScrapeHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final MetricsScraper metrics;

        ScrapeHandler(MetricsScraper metrics) {
            this.metrics = metrics;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            final String path = new QueryStringDecoder(request.uri()).path();
            final FullHttpResponse response;
            if (request.decoderResult().isSuccess()
                    && request.method().equals(HttpMethod.GET)
                    && path.equals("/metrics")) {
                response = response(metrics, request);
            } else {
                final byte[] body = "not found\n".getBytes(StandardCharsets.US_ASCII);
                response = new DefaultFullHttpResponse(
                        HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND, Unpooled.wrappedBuffer(body));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
            }
            final boolean keepAlive =
                    HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
            HttpUtil.setKeepAlive(response, keepAlive);
            final var future = ctx.writeAndFlush(response);
            if (!keepAlive) {
                future.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // a reset scraper or a timeout: nothing to log per connection
        }
    }
}
