package io.tickfan.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.tickfan.server.ServerContext;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.sse.Http2ReadReceipts;
import java.util.List;

/**
 * One-shot: reads just enough of the first bytes to tell the HTTP/2 connection preface from an
 * HTTP/1.1 request, installs the handlers for that protocol and removes itself (the bytes it read
 * go on to the new handlers). Each HTTP/2 stream becomes a child channel on the same event loop,
 * with the same {@link HttpRouter} as HTTP/1.1 behind an HTTP/2-to-HTTP-object codec.
 */
final class ProtocolDetector extends ByteToMessageDecoder {
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_CHUNK = 8192;

    private final ServerContext context;

    ProtocolDetector(ServerContext context) {
        this.context = context;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        final ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
        try {
            final int n = Math.min(in.readableBytes(), preface.readableBytes());
            for (int i = 0; i < n; i++) {
                if (in.getByte(in.readerIndex() + i) != preface.getByte(i)) {
                    configureHttp1(ctx.pipeline());
                    ctx.pipeline().remove(this);
                    return;
                }
            }
            if (n == preface.readableBytes()) {
                configureHttp2(ctx.pipeline());
                ctx.pipeline().remove(this);
            }
        } finally {
            preface.release();
        }
    }

    private void configureHttp1(ChannelPipeline p) {
        final ServerConfig c = context.config;
        p.addAfter(
                "detect",
                "http",
                new HttpServerCodec(MAX_INITIAL_LINE, c.integer(ServerConfig.HTTP_MAX_HEADER_BYTES), MAX_CHUNK));
        p.addAfter("http", "aggregator", new HttpObjectAggregator(c.integer(ServerConfig.HTTP_MAX_REQUEST_BYTES)));
        p.addAfter("aggregator", CorsHeaders.NAME, CorsHeaders.INSTANCE);
        p.addAfter(CorsHeaders.NAME, "router", new HttpRouter(context, false));
    }

    private void configureHttp2(ChannelPipeline p) {
        final ServerConfig c = context.config;
        final int maxRequestBytes = c.integer(ServerConfig.HTTP_MAX_REQUEST_BYTES);
        p.addAfter(
                "detect",
                "h2",
                Http2FrameCodecBuilder.forServer()
                        .initialSettings(Http2Settings.defaultSettings()
                                .maxConcurrentStreams(c.integer(ServerConfig.H2_MAX_STREAMS))
                                .maxHeaderListSize(c.integer(ServerConfig.HTTP_MAX_HEADER_BYTES)))
                        .build());
        p.addAfter("h2", "streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel stream) {
                stream.pipeline()
                        .addLast("http", new Http2StreamFrameToHttpObjectCodec(true))
                        .addLast("aggregator", new HttpObjectAggregator(maxRequestBytes))
                        .addLast(CorsHeaders.NAME, CorsHeaders.INSTANCE)
                        .addLast("router", new HttpRouter(context, true));
            }
        }));
        if (context.readReceiptMs <= 0) {
            return; // receipts off: no handler and no state per connection
        }
        p.addAfter(
                "streams",
                Http2ReadReceipts.NAME,
                new Http2ReadReceipts(
                        context.readReceiptMs,
                        // The streams are closed first (lag, then their timeout); the connection after them.
                        context.lagConflateMs + context.slowConsumerTimeoutMs + Http2ReadReceipts.CLOSE_GRACE_MS));
    }
}
