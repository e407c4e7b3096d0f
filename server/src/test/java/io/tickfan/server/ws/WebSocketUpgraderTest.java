package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.TestTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The token, the origin and the subprotocol are checked before any 101: a refused client gets JSON. */
class WebSocketUpgraderTest {
    private final EmbeddedWebSocket ws =
            new EmbeddedWebSocket(c -> c.with(ServerConfig.ALLOWED_ORIGINS, "https://app.example"));

    @AfterEach
    void close() {
        ws.close();
    }

    /** Sends the upgrade request and returns the answer; asserts no session was set up. */
    private String refused(String request) {
        ws.http.send(request);
        final String answer = ws.http.written();
        assertFalse(answer.startsWith("HTTP/1.1 101"), answer);
        assertNull(ws.http.channel.pipeline().get("ws"), "no WebSocket handler");
        assertEquals(0, ws.http.context.sessions.size());
        assertFalse(ws.http.channel.isActive(), "a refused upgrade closes the connection");
        return answer;
    }

    @Test
    void shouldUpgradeSelectingOurSubprotocolWithoutEchoingTheToken() {
        final String token = TestTokens.valid();
        ws.http.send(ws.upgradeRequest("tickfan.v1, bearer." + token));
        final String answer = ws.http.written();
        assertTrue(answer.startsWith("HTTP/1.1 101 Switching Protocols\r\n"), answer);
        assertTrue(
                answer.toLowerCase(java.util.Locale.ROOT).contains("sec-websocket-protocol: tickfan.v1\r\n"), answer);
        assertFalse(answer.contains(token), "the token is never echoed");
        final ChannelPipeline p = ws.http.channel.pipeline();
        assertNotNull(p.get("ws"));
        assertNull(p.get("utf8"), "the session's handler checks UTF-8");
        assertNull(p.get("idle"), "keep-alive runs on the loop's session timer, not a handler per connection");
        assertNull(p.get("router"), "the router replaced itself");
        assertNull(p.get("aggregator"));
        assertEquals(1, ws.http.context.sessions.size());
    }

    @Test
    void shouldAnswerWithTheAcceptValueOfRfc6455AndLeaveNoHttpHandlers() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WebSocketUpgrader.acceptValue("dGhlIHNhbXBsZSBub25jZQ=="));
        ws.http.send(ws.upgradeRequest("tickfan.v1, bearer." + TestTokens.valid()));
        final String answer = ws.http.written();
        assertTrue(
                answer.toLowerCase(java.util.Locale.ROOT)
                        .contains("sec-websocket-accept: "
                                + WebSocketUpgrader.acceptValue(EmbeddedWebSocket.KEY)
                                        .toLowerCase(java.util.Locale.ROOT)
                                + "\r\n"),
                answer);
        assertTrue(answer.endsWith("\r\n\r\n"), "the head only: " + answer);
        final ChannelPipeline p = ws.http.channel.pipeline();
        assertNull(p.get(io.netty.handler.codec.http.HttpServerCodec.class), "no HTTP codec after the 101");
        assertNull(p.get("cors"));
        assertNotNull(p.get("ws"), "the frame decoder that is the session's handler");
        assertNull(p.get("wsencoder"), "frames out are bytes already");
    }

    @Test
    void shouldRefuseAMissingKeyWith400() {
        assertRefusedWhenEdited("Sec-WebSocket-Key: [^\r]*\r\n", "", "HTTP/1.1 400", "Sec-WebSocket-Key");
    }

    @Test
    void shouldRefuseAnotherVersionWith426NamingOurs() {
        assertRefusedWhenEdited(
                "Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 8", "HTTP/1.1 426", "sec-websocket-version: 13");
    }

    /** A valid upgrade request edited ({@code regex} replaced) is refused with {@code status}, saying {@code why}. */
    private void assertRefusedWhenEdited(String regex, String replacement, String status, String why) {
        final String answer = refused(
                ws.upgradeRequest("tickfan.v1, bearer." + TestTokens.valid()).replaceAll(regex, replacement));
        assertTrue(answer.startsWith(status), answer);
        assertTrue(answer.toLowerCase(java.util.Locale.ROOT).contains(why.toLowerCase(java.util.Locale.ROOT)), answer);
    }

    @Test
    void shouldRefuseAMissingTokenWith401() {
        final String answer = refused(ws.upgradeRequest("tickfan.v1"));
        assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        assertTrue(answer.contains("missing token"), answer);
    }

    @Test
    void shouldRefuseABadSignatureWith401() {
        assertTrue(refused(ws.upgradeRequest("tickfan.v1, bearer." + TestTokens.badSignature()))
                .startsWith("HTTP/1.1 401"));
    }

    @Test
    void shouldRefuseAnExpiredTokenWith401() {
        assertTrue(refused(ws.upgradeRequest("tickfan.v1, bearer." + TestTokens.expired()))
                .startsWith("HTTP/1.1 401"));
    }

    @Test
    void shouldRefuseAnOriginNotAllowedWith403BeforeLookingAtTheToken() {
        final String answer =
                refused(ws.upgradeRequest("tickfan.v1, bearer." + TestTokens.valid(), "Origin: https://evil.example"));
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        assertTrue(answer.contains("origin not allowed"), answer);
    }

    @Test
    void shouldAcceptAnAllowedOrigin() {
        ws.http.send(ws.upgradeRequest("tickfan.v1, bearer." + TestTokens.valid(), "Origin: https://app.example"));
        assertTrue(ws.http.written().startsWith("HTTP/1.1 101"));
    }

    @Test
    void shouldRefuseAnUpgradeWithoutOurSubprotocolWith400() {
        final String answer = refused(ws.upgradeRequest("chat, bearer." + TestTokens.valid()));
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("Sec-WebSocket-Protocol must include tickfan.v1"), answer);
    }

    @Test
    void shouldChooseTheFirstOfOurSubprotocolsInTheClientsOrder() {
        assertEquals("tickfan.v1", chosen("tickfan.v1, bearer.x"));
        assertEquals("tickfan.v1.bin", chosen("bearer.x,tickfan.v1.bin,tickfan.v1"));
        assertEquals("tickfan.v1", chosen("x,\ttickfan.v1\t , tickfan.v1.bin"));
        assertEquals("tickfan.v1.bin", chosen("chat", "x, tickfan.v1.bin"));
        assertNull(chosen("tickfan.v1x, tickfan.v, xtickfan.v1, tickfan.v1.bi, tickfan.v1.binx"));
        assertNull(chosen("", ",", ", ,"));
        assertNull(chosen());
    }

    private static String chosen(String... headerLines) {
        final FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ws");
        try {
            for (String line : headerLines) {
                request.headers().add(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL, line);
            }
            return WebSocketUpgrader.chosenSubprotocol(request);
        } finally {
            request.release();
        }
    }

    @Test
    void shouldAnswer426ToAPlainGetOnTheWebSocketPath() {
        final String answer = refused(io.tickfan.server.http.EmbeddedHttp.get(
                ws.http.context.wsPath, "Authorization: Bearer " + TestTokens.valid()));
        assertTrue(answer.startsWith("HTTP/1.1 426"), answer);
    }
}
