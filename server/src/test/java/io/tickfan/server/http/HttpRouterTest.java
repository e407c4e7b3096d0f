package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.admission.AdmissionHandler;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.session.AdminActions;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Which request goes where, on an HTTP/1.1 connection's pipeline and on an HTTP/2 stream's router. */
class HttpRouterTest {
    private final EmbeddedHttp http = new EmbeddedHttp(c -> c).connectionPipeline();

    @AfterEach
    void close() {
        http.close();
    }

    private String answer(String request) {
        http.send(request);
        return http.written();
    }

    @Test
    void shouldAnswerLivenessAndReadinessAndKeepTheConnection() {
        assertTrue(answer(EmbeddedHttp.get("/health")).endsWith("{\"status\":\"ok\"}"));
        assertTrue(answer(EmbeddedHttp.get("/ready")).endsWith("{\"status\":\"ok\"}"));
        assertTrue(http.channel.isActive(), "keep-alive");
    }

    @Test
    void shouldTurnReadinessFalseWhileDrainingButNotLiveness() {
        http.context.setReady(false);
        final String ready = answer(EmbeddedHttp.get("/ready"));
        assertTrue(ready.startsWith("HTTP/1.1 503"), ready);
        assertTrue(ready.endsWith("{\"status\":\"draining\",\"reason\":\"draining\"}"), ready);
        assertTrue(answer(EmbeddedHttp.get("/health")).startsWith("HTTP/1.1 200"));
    }

    @Test
    void shouldGiveTheReadinessCheckReason() {
        http.context.setReadinessCheck(() -> "bridge \"reader\" stalled");
        final String ready = answer(EmbeddedHttp.get("/ready"));
        assertTrue(ready.startsWith("HTTP/1.1 503"), ready);
        assertTrue(ready.endsWith("{\"status\":\"not_ready\",\"reason\":\"bridge 'reader' stalled\"}"), ready);
    }

    @Test
    void shouldFailLivenessOnceTheEngineFailed() {
        http.context.setFailed();
        final String health = answer(EmbeddedHttp.get("/health"));
        assertTrue(health.startsWith("HTTP/1.1 503"), health);
        assertTrue(health.endsWith("{\"status\":\"failed\"}"), health);
    }

    @Test
    void shouldAnswer404AndClose() {
        final String response = answer(EmbeddedHttp.get("/nothing-here"));
        assertTrue(response.startsWith("HTTP/1.1 404"), response);
        assertFalse(http.channel.isActive());
    }

    @Test
    void shouldAnswer400ToAMalformedRequest() {
        final String response = answer("NONSENSE\r\n\r\n");
        assertTrue(response.startsWith("HTTP/1.1 400"), response);
        assertFalse(http.channel.isActive());
    }

    @Test
    void shouldAnswer431ToOversizedHeaders() {
        final String response = answer(EmbeddedHttp.get("/health", "X-Big: " + "x".repeat(10_000)));
        assertTrue(response.startsWith("HTTP/1.1 431"), response);
        assertFalse(http.channel.isActive());
    }

    @Test
    void shouldGuardMetricsWithTheAdminRole() {
        assertTrue(answer(EmbeddedHttp.get("/metrics")).startsWith("HTTP/1.1 401"));
        final EmbeddedHttp other = new EmbeddedHttp(c -> c).connectionPipeline();
        try {
            other.send(EmbeddedHttp.get("/metrics", EmbeddedHttp.bearer()));
            assertTrue(other.statusLine().startsWith("HTTP/1.1 403"));
        } finally {
            other.close();
        }
    }

    @Test
    void shouldRouteAdminActionsAsPostWithAnAdminToken() {
        final int[] drained = new int[1];
        http.context.setAdminActions(new AdminActions() {
            @Override
            public int drain() {
                drained[0]++;
                return 3;
            }

            @Override
            public int disconnectAll() {
                return 0;
            }
        });
        final String response = answer(
                EmbeddedHttp.request("POST", "/admin/drain", "Authorization: Bearer " + EmbeddedHttp.adminToken()));
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.endsWith("{\"action\":\"drain\",\"sessions\":3}"), response);
        assertEquals(1, drained[0]);
    }

    @Test
    void shouldRefuseAdminActionsByGet() {
        assertTrue(answer(EmbeddedHttp.get("/admin/drain", "Authorization: Bearer " + EmbeddedHttp.adminToken()))
                .startsWith("HTTP/1.1 405"));
    }

    @Test
    void shouldRefuseNewSessionsWhileDrainingWithRetryAfter() {
        http.context.admission.startDraining(30);
        final String response = answer(EmbeddedHttp.get(http.context.ssePath + "?symbols=A", EmbeddedHttp.bearer()));
        assertTrue(response.startsWith("HTTP/1.1 503"), response);
        assertTrue(response.contains("retry-after: 30\r\n"), response);
        assertTrue(response.endsWith("{\"error\":\"rejected\",\"reason\":\"draining\"}"), response);
        assertEquals(0, http.context.sessions.size());
    }

    @Test
    void shouldAnswerAConnectionAdmissionRefusedWithItsStatus() {
        http.channel.attr(AdmissionHandler.REJECTION).set(new AdmissionControl.Rejection(429, "too_many", 2));
        final String response = answer(EmbeddedHttp.get("/health"));
        assertTrue(response.startsWith("HTTP/1.1 429"), response);
        assertTrue(response.contains("retry-after: 2\r\n"), response);
        assertFalse(http.channel.isActive());
    }

    @Test
    void shouldRefuseAWebSocketUpgradeOnAnHttp2Stream() {
        final EmbeddedChannel stream = new EmbeddedChannel(new HttpRouter(http.context, true));
        stream.writeInbound(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, http.context.wsPath));
        final FullHttpResponse response = stream.readOutbound();
        try {
            assertEquals(400, response.status().code());
            assertTrue(response.content().toString(StandardCharsets.UTF_8).contains("WebSocket needs HTTP/1.1"));
        } finally {
            response.release();
            stream.finishAndReleaseAll();
        }
    }

    @Test
    void shouldLogOneLineForAnExceptionNoClientCausedAndNoneForAReset() {
        // No line lets through (limit 0), so each exception that reaches the log is counted.
        try (EmbeddedHttp counted = new EmbeddedHttp(c -> c.with(ServerConfig.LOG_CLIENT_ERRORS_PER_MINUTE, 0))
                        .connectionPipeline();
                EmbeddedHttp reset = new EmbeddedHttp(c -> c.with(ServerConfig.LOG_CLIENT_ERRORS_PER_MINUTE, 0))
                        .connectionPipeline()) {
            counted.send(EmbeddedHttp.get("/health"));
            counted.written();
            counted.channel.pipeline().fireExceptionCaught(new IllegalStateException("a defect"));
            assertFalse(counted.channel.isActive());
            assertEquals(1, notLogged(counted), "an unexpected exception reaches the rate-limited log");

            reset.send(EmbeddedHttp.get("/health"));
            reset.written();
            reset.channel.pipeline().fireExceptionCaught(new java.io.IOException("Connection reset by peer"));
            assertFalse(reset.channel.isActive());
            assertEquals(0, notLogged(reset), "a reset is how clients leave");
        }
    }

    private static long notLogged(EmbeddedHttp h) {
        return h.engine.counters().get(io.tickfan.server.metrics.Counters.Counter.CLIENT_ERRORS_NOT_LOGGED);
    }

    @Test
    void shouldAnswer400ToARequestTargetWithABadEscape() {
        final String badPath = answer(EmbeddedHttp.get("/%zz"));
        assertTrue(badPath.startsWith("HTTP/1.1 400"), badPath);
        assertFalse(http.channel.isActive());
        try (EmbeddedHttp other = new EmbeddedHttp(c -> c).connectionPipeline()) {
            other.send(EmbeddedHttp.get("/sse?symbols=%zz", EmbeddedHttp.bearer()));
            final String badQuery = other.written();
            assertTrue(badQuery.startsWith("HTTP/1.1 400"), badQuery);
            assertTrue(badQuery.contains("malformed request target"), badQuery);
        }
    }

    @Test
    void shouldCloseQuietlyOnAWrappedResetOrAnHttp2ProtocolError() {
        assertClosedQuietlyOn(
                new io.netty.handler.codec.DecoderException(new javax.net.ssl.SSLException("bad record MAC")),
                "a TLS failure after the handshake is the peer's");
        assertClosedQuietlyOn(
                io.netty.handler.codec.http2.Http2Exception.streamError(
                        3, io.netty.handler.codec.http2.Http2Error.PROTOCOL_ERROR, "bad stream"),
                "an HTTP/2 protocol error is the peer's");
    }

    /** A connection that has the router sees {@code cause}: closed, and nothing reached the log. */
    private static void assertClosedQuietlyOn(Throwable cause, String why) {
        try (EmbeddedHttp h =
                new EmbeddedHttp(c -> c.with(ServerConfig.LOG_CLIENT_ERRORS_PER_MINUTE, 0)).connectionPipeline()) {
            h.send(EmbeddedHttp.get("/health"));
            h.written();
            h.channel.pipeline().fireExceptionCaught(cause);
            assertFalse(h.channel.isActive());
            assertEquals(0, notLogged(h), why);
        }
    }
}
