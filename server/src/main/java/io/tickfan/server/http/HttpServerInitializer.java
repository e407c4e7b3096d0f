package io.tickfan.server.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.tickfan.server.ServerContext;

/**
 * The pipeline of a new connection. With TLS configured the port accepts TLS and cleartext alike
 * ({@link OptionalSslHandler} looks at the first bytes); either way the {@link ProtocolDetector}
 * then tells HTTP/2 (the connection preface: h2 over TLS after ALPN, or h2c with prior knowledge)
 * from HTTP/1.1 (WebSocket upgrades, SSE, polling) and installs the matching handlers.
 */
public final class HttpServerInitializer extends ChannelInitializer<SocketChannel> {
    private final ServerContext context;
    private final SslContext sslContext;

    /** @param sslContext TLS with ALPN, or null for cleartext only */
    public HttpServerInitializer(ServerContext context, SslContext sslContext) {
        this.context = context;
        this.sslContext = sslContext;
    }

    @Override
    protected void initChannel(SocketChannel ch) {
        if (sslContext != null) {
            ch.pipeline().addLast("tls", new OptionalSslHandler(sslContext));
        }
        ch.pipeline().addLast("detect", new ProtocolDetector(context));
    }
}
