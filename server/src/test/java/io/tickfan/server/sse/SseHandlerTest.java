package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tickfan.server.ServerContext;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.auth.Entitlements;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.auth.TokenVerifier;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.EngineSettings;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.session.ResumePoint;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/1.1 SSE stream's handler and session on an {@link EmbeddedChannel} with its own clock:
 * the opening hint, heartbeats, the registry, drain, token expiry and a broken stream.
 */
class SseHandlerTest {
    private static final long GRACE_MS = 500;
    private static final long HEARTBEAT_MS = 15_000;

    private EmbeddedChannel channel;
    private FanoutEngine engine;
    private ServerContext context;

    @BeforeEach
    void create() {
        channel = new EmbeddedChannel();
        // Scheduled tasks follow advanceTimeBy only, however slow the machine.
        channel.freezeTime();
        engine = new FanoutEngine(channel.eventLoop(), new EngineSettings(16, 1 << 12, 64, 64, 4, 60_000));
        context = new ServerContext(
                ServerConfig.defaults()
                        .with(ServerConfig.AUTH_EXPIRY_GRACE_MS, GRACE_MS)
                        .with(ServerConfig.SSE_HEARTBEAT_MS, HEARTBEAT_MS)
                        .with(ServerConfig.DIRECT_WRITES, false),
                engine,
                new TokenVerifier("unused-secret".getBytes(StandardCharsets.UTF_8), null, null, null, null, 0),
                new AdmissionControl(10, 10, 10, 10, 10));
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
        context.authenticator.close();
        engine.close();
    }

    /** Opens a stream for a token expiring in {@code expiresInMs}; returns its opening bytes. */
    private String open(long expiresInMs) {
        final Principal principal =
                new Principal("u", System.currentTimeMillis() + expiresInMs, Entitlements.ALL, false, false);
        final SseSession session = new SseSession(context, principal, engine.dispatcher(channel.eventLoop()), false);
        channel.pipeline().addLast(new SseHandler(session));
        final int id = engine.symbols().register("EMB");
        assertTrue(session.subscribe(new int[] {id}, ResumePoint.parse(null, engine.epoch(), 1)));
        session.start();
        return outbound();
    }

    private String outbound() {
        final StringBuilder text = new StringBuilder();
        for (ByteBuf b; (b = channel.readOutbound()) != null; ) {
            text.append(b.toString(StandardCharsets.UTF_8));
            b.release();
        }
        return text.toString();
    }

    @Test
    void shouldOpenWithTheRetryHintAndJoinTheRegistry() {
        assertEquals("retry: 2000\n\n", open(60_000));
        assertEquals(1, context.sessions.size());
        channel.close();
        assertEquals(0, context.sessions.size(), "a closed stream leaves the registry");
    }

    @Test
    void shouldSendAHeartbeatEveryInterval() {
        open(600_000);
        channel.advanceTimeBy(HEARTBEAT_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(": hb\n\n", outbound());
    }

    @Test
    void shouldDropWhateverTheClientSends() {
        open(60_000);
        final ByteBuf junk = Unpooled.copiedBuffer("junk", StandardCharsets.US_ASCII);
        channel.writeInbound(junk);
        assertEquals(0, junk.refCnt(), "released, not passed on");
        assertTrue(channel.isActive());
    }

    @Test
    void shouldSendTheDrainRetryAndEndTheStream() {
        open(60_000);
        context.sessions.restartAll(10_000);
        channel.runPendingTasks();
        final String last = outbound();
        assertTrue(last.matches("retry: \\d+\n\n"), last);
        assertTrue(Long.parseLong(last.substring(7, last.length() - 2)) < 10_000, last);
        assertFalse(channel.isActive(), "the HTTP/1.1 stream ends with its connection");
        assertEquals(0, context.sessions.size());
    }

    @Test
    void shouldEndTheStreamWithTokenExpiredAtExpPlusGrace() {
        open(10_000);
        channel.advanceTimeBy(5_000, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals("", outbound(), "not before exp");
        assertTrue(channel.isActive());
        channel.advanceTimeBy(5_000 + GRACE_MS, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
        assertEquals(
                "event: error\ndata: {\"type\":\"error\",\"code\":\"token_expired\",\"message\":\"token expired\"}\n\n",
                outbound());
        assertFalse(channel.isActive());
        assertEquals(0, context.sessions.size());
    }

    @Test
    void shouldCloseOnlyThisStreamOnAnException() {
        open(60_000);
        channel.pipeline().fireExceptionCaught(new java.io.IOException("connection reset"));
        assertFalse(channel.isActive());
        assertEquals(0, context.sessions.size());
    }
}
