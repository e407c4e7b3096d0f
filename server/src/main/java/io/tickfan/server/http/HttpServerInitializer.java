package io.tickfan.server.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.tickfan.server.ServerContext;
import io.tickfan.server.config.ServerConfig;

/** The pipeline of a new connection: HTTP/1.1 until the router upgrades it or answers it. */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_CHUNK = 8192;

    private final ServerContext context;
    private final int maxHeaderBytes;
    private final int maxRequestBytes;

    public HttpServerInitializer(ServerContext context) {
        this.context = context;
        this.maxHeaderBytes = context.config.integer(ServerConfig.HTTP_MAX_HEADER_BYTES);
        this.maxRequestBytes = context.config.integer(ServerConfig.HTTP_MAX_REQUEST_BYTES);
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        final ChannelPipeline p = ch.pipeline();
        p.addLast("http", new HttpServerCodec(MAX_INITIAL_LINE, maxHeaderBytes, MAX_CHUNK));
        p.addLast("aggregator", new HttpObjectAggregator(maxRequestBytes));
        p.addLast("router", new HttpRouter(context));
    }
}
