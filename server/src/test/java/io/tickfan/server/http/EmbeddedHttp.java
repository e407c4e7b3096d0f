package io.tickfan.server.http;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.util.ReferenceCountUtil;
import io.tickfan.server.ServerContext;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.auth.TokenVerifier;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.EngineSettings;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.UnaryOperator;

/**
 * One connection's pipeline on an {@link EmbeddedChannel} (its clock frozen: scheduled tasks run
 * only when a test advances it), with a real context and an engine that is not started: a test
 * steps the sequencer by hand ({@link FanoutEngine#invoker}) when it needs replies. Tokens are
 * checked for real with the HS256 secret of {@link TestTokens}, inline on the channel's loop.
 */
public final class EmbeddedHttp implements AutoCloseable {
    /** Small enough for a test, as the other embedded tests size it. */
    public static final EngineSettings ENGINE = new EngineSettings(16, 1 << 12, 64, 64, 4, 60_000);

    public final EmbeddedChannel channel;
    public final FanoutEngine engine;
    public final ServerContext context;

    public EmbeddedHttp(UnaryOperator<ServerConfig> settings) {
        this(settings, ENGINE, new AdmissionControl(100, 100, 100, 100, 100));
    }

    public EmbeddedHttp(
            UnaryOperator<ServerConfig> settings, EngineSettings engineSettings, AdmissionControl admission) {
        // Accepted by a server, as Netty's HTTP/2 multiplexer checks (a client's stream 1 is an upgrade).
        channel = new EmbeddedChannel(new LocalServerChannel(), DefaultChannelId.newInstance(), true, false);
        channel.freezeTime();
        engine = new FanoutEngine(channel.eventLoop(), engineSettings);
        context = new ServerContext(
                settings.apply(ServerConfig.defaults().with(ServerConfig.DIRECT_WRITES, false)),
                engine,
                new TokenVerifier(TestTokens.SECRET.getBytes(StandardCharsets.UTF_8), null, null, null, null, 0),
                admission);
    }

    /**
     * The handlers of a new cleartext connection as {@link HttpServerInitializer} adds them, less
     * admission (tested on its own): the deadline, the protocol detector, then the log of client
     * errors at the end.
     */
    public EmbeddedHttp connectionPipeline() {
        channel.pipeline().addLast(RequestDeadlineHandler.NAME, new RequestDeadlineHandler(context.requestTimeoutMs));
        channel.pipeline().addLast("detect", new ProtocolDetector(context));
        channel.pipeline().addLast(ClientErrorLog.NAME, context.clientErrors);
        return this;
    }

    /** Feeds {@code raw} to the connection as bytes off the wire. */
    public void send(String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    }

    /** An HTTP/1.1 request head for {@code target}, with {@code headers} ("Name: value"). */
    public static String request(String method, String target, String... headers) {
        final StringBuilder s = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n");
        for (String h : headers) {
            s.append(h).append("\r\n");
        }
        return s.append("\r\n").toString();
    }

    public static String get(String target, String... headers) {
        return request("GET", target, headers);
    }

    /** {@code Authorization} for a valid token entitled to every symbol. */
    public static String bearer() {
        return "Authorization: Bearer " + TestTokens.valid();
    }

    /** A token with the admin role. */
    public static String adminToken() {
        return JWT.create()
                .withSubject("ops")
                .withExpiresAt(Instant.now().plusSeconds(300))
                .withArrayClaim("roles", new String[] {"admin"})
                .sign(Algorithm.HMAC256(TestTokens.SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    /** Everything written to the connection so far, as text; releases what it read. */
    public String written() {
        final StringBuilder text = new StringBuilder();
        for (Object o; (o = channel.readOutbound()) != null; ) {
            try {
                if (!(o instanceof ByteBuf b)) {
                    throw new AssertionError("expected bytes on the wire, got " + o);
                }
                text.append(b.toString(StandardCharsets.ISO_8859_1));
            } finally {
                ReferenceCountUtil.release(o);
            }
        }
        return text.toString();
    }

    /** The status line of the only response written so far, and releases what was written. */
    public String statusLine() {
        final String text = written();
        final int end = text.indexOf("\r\n");
        return end < 0 ? text : text.substring(0, end);
    }

    @Override
    public void close() {
        channel.finishAndReleaseAll();
        context.authenticator.close();
        engine.close();
    }
}
