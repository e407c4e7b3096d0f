package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2FrameReader;
import io.netty.handler.codec.http2.DefaultHttp2FrameWriter;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2FrameAdapter;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.OptionalSslHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.tickfan.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The first bytes of a connection pick its protocol: the HTTP/2 connection preface (h2c with prior
 * knowledge, or h2 once TLS is off), anything else HTTP/1.1; with TLS configured, a ClientHello
 * goes to TLS first. The detector installs the handlers and removes itself.
 */
class ProtocolDetectorTest {
    private final EmbeddedHttp http = new EmbeddedHttp(c -> c);

    @AfterEach
    void close() {
        http.close();
    }

    @Test
    void shouldInstallHttp1AndRemoveItselfOnARequestLine() {
        http.connectionPipeline();
        http.send("GET /hea");
        assertNull(http.channel.pipeline().get("detect"), "one byte off the preface is enough to decide");
        assertNotNull(http.channel.pipeline().get("http"));
        assertNotNull(http.channel.pipeline().get("router"));
        http.send("lth HTTP/1.1\r\nHost: localhost\r\n\r\n");
        final String response = http.written();
        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), response);
        assertTrue(response.endsWith("{\"status\":\"ok\"}"), response);
    }

    @Test
    void shouldWaitWhileTheBytesStillMatchThePreface() {
        http.connectionPipeline();
        http.send("PRI * HTTP/2.0\r\n");
        assertNotNull(http.channel.pipeline().get("detect"), "could still be either");
        assertNull(http.channel.pipeline().get("http"));
        assertNull(http.channel.pipeline().get("h2"));
        assertEquals("", http.written());
    }

    @Test
    void shouldServeHttp2WithPriorKnowledgeOnTheSameRouter() throws Exception {
        http.connectionPipeline();
        final Frames client = new Frames();
        try {
            http.channel.writeInbound(client.prefaceAndGet("/health"));
            http.channel.runPendingTasks();
            assertNull(http.channel.pipeline().get("detect"));
            assertNotNull(http.channel.pipeline().get("h2"));
            assertNull(http.channel.pipeline().get("http"), "no HTTP/1.1 codec on an h2 connection");
            client.read(http.channel);
            assertEquals("200", client.status);
            assertEquals("{\"status\":\"ok\"}", client.data.toString());
            assertNull(
                    http.channel.pipeline().get(RequestDeadlineHandler.NAME),
                    "a complete request on a stream stops the connection's clock");
        } finally {
            client.close();
        }
    }

    @Test
    void shouldTellHttp1FromTlsAndServeItBehindTls() throws Exception {
        final SslContext server = io.tickfan.server.transport.TlsContexts.fromConfig(
                ServerConfig.defaults().with(ServerConfig.TLS_SELF_SIGNED, true));
        final SslContext clientContext = SslContextBuilder.forClient()
                .sslProvider(SslProvider.JDK)
                .trustManager(InsecureTrustManagerFactory.INSTANCE)
                .applicationProtocolConfig(new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_1_1))
                .build();
        http.channel.pipeline().addLast(RequestDeadlineHandler.NAME, new RequestDeadlineHandler(60_000));
        http.channel.pipeline().addLast("tls", new OptionalSslHandler(server));
        http.channel.pipeline().addLast("detect", new ProtocolDetector(http.context));
        final EmbeddedChannel client = new EmbeddedChannel();
        client.pipeline().addLast(clientContext.newHandler(client.alloc()));
        try {
            client.writeOutbound(Unpooled.copiedBuffer(EmbeddedHttp.get("/health"), StandardCharsets.US_ASCII));
            shuttle(client, http.channel);
            assertNull(http.channel.pipeline().get("tls"), "replaced once the first bytes were a ClientHello");
            assertNotNull(http.channel.pipeline().get(SslHandler.class));
            assertNotNull(http.channel.pipeline().get("router"), "the decrypted bytes were HTTP/1.1");
            final StringBuilder plain = new StringBuilder();
            for (ByteBuf b; (b = client.readInbound()) != null; ) {
                plain.append(b.toString(StandardCharsets.US_ASCII));
                b.release();
            }
            assertTrue(plain.toString().startsWith("HTTP/1.1 200 OK"), plain.toString());
        } finally {
            client.finishAndReleaseAll();
        }
    }

    /** Moves bytes both ways until neither side has anything more to say. */
    private static void shuttle(EmbeddedChannel a, EmbeddedChannel b) {
        for (int round = 0; round < 50; round++) {
            final boolean moved = move(a, b) | move(b, a);
            if (!moved) {
                return;
            }
        }
        throw new AssertionError("the TLS handshake did not settle");
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to) {
        boolean moved = false;
        for (ByteBuf b; (b = from.readOutbound()) != null; ) {
            to.writeInbound(b);
            moved = true;
        }
        from.runPendingTasks();
        to.runPendingTasks();
        return moved;
    }

    /** A tiny HTTP/2 client: writes frames with Netty's frame writer, reads the answer with its reader. */
    private static final class Frames {
        private final EmbeddedChannel scratch = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
        private final ChannelHandlerContext ctx = scratch.pipeline().firstContext();
        private final DefaultHttp2FrameWriter writer = new DefaultHttp2FrameWriter();
        private final DefaultHttp2FrameReader reader = new DefaultHttp2FrameReader();
        final StringBuilder data = new StringBuilder();
        String status;

        ByteBuf prefaceAndGet(String path) {
            final ByteBuf out = Unpooled.buffer();
            final ByteBuf preface = Http2CodecUtil.connectionPrefaceBuf();
            out.writeBytes(preface);
            preface.release();
            writer.writeSettings(ctx, new Http2Settings(), ctx.newPromise());
            final Http2Headers headers = new DefaultHttp2Headers()
                    .method("GET")
                    .scheme("http")
                    .authority("localhost")
                    .path(path);
            writer.writeHeaders(ctx, 1, headers, 0, true, ctx.newPromise());
            ctx.flush();
            for (ByteBuf b; (b = scratch.readOutbound()) != null; ) {
                out.writeBytes(b);
                b.release();
            }
            return out;
        }

        void read(EmbeddedChannel server) throws Http2Exception {
            final List<ByteBuf> parts = new ArrayList<>();
            for (ByteBuf b; (b = server.readOutbound()) != null; ) {
                parts.add(b);
            }
            final ByteBuf all = Unpooled.buffer();
            parts.forEach(p -> {
                all.writeBytes(p);
                p.release();
            });
            try {
                reader.readFrame(ctx, all, new Http2FrameAdapter() {
                    @Override
                    public void onHeadersRead(
                            ChannelHandlerContext c, int streamId, Http2Headers h, int padding, boolean endStream) {
                        if (streamId == 1) {
                            status = h.status().toString();
                        }
                    }

                    @Override
                    public int onDataRead(
                            ChannelHandlerContext c, int streamId, ByteBuf d, int padding, boolean endOfStream) {
                        data.append(d.toString(StandardCharsets.UTF_8));
                        return d.readableBytes() + padding;
                    }
                });
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
