package io.tickfan.server.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.tickfan.server.ServerContext;
import io.tickfan.server.admission.AdmissionHandler;

/**
 * The pipeline of a new connection: admission (counted and judged before a byte is read), a
 * deadline for the first complete request (slowloris), then, with TLS configured, TLS or
 * cleartext alike ({@link OptionalSslHandler} looks at the first bytes), and the {@link
 * ProtocolDetector}, which tells HTTP/2 (the connection preface: h2 over TLS after ALPN, or h2c
 * with prior knowledge) from HTTP/1.1 (WebSocket upgrades, SSE, polling).
 */
public final class HttpServerInitializer extends ChannelInitializer<Channel> {
    private final ServerContext context;
    private final SslContext sslContext;
    private final AdmissionHandler admission;

    /** @param sslContext TLS with ALPN, or null for cleartext only */
    public HttpServerInitializer(ServerContext context, SslContext sslContext) {
        this.context = context;
        this.sslContext = sslContext;
        this.admission = new AdmissionHandler(context.admission, context.connections);
    }

    @Override
    protected void initChannel(Channel ch) {
        initConnection(ch);
    }

    /** Adds the handlers of a new connection to {@code ch}'s pipeline (for a caller's own initializer). */
    public void initConnection(Channel ch) {
        final ChannelPipeline p = ch.pipeline();
        p.addLast("admission", admission);
        p.addLast(RequestDeadlineHandler.NAME, new RequestDeadlineHandler(context.requestTimeoutMs));
        if (sslContext != null) {
            p.addLast("tls", new OptionalSslHandler(sslContext));
        }
        p.addLast("detect", new ProtocolDetector(context));
        // Last: every handler the detector and the upgrades add goes in front of it.
        p.addLast(ClientErrorLog.NAME, context.clientErrors);
    }
}
