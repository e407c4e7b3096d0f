package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.AttributeKey;
import io.tickfan.server.config.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CORS on /sse and /poll for the listed origins: preflights, every response head, and never a tick. */
class CorsHeadersTest {
    private static final String ORIGIN = "Origin: https://app.example";

    private final EmbeddedHttp http =
            new EmbeddedHttp(c -> c.with(ServerConfig.ALLOWED_ORIGINS, "https://app.example")).connectionPipeline();

    @AfterEach
    void close() {
        http.close();
    }

    @Test
    void shouldAnswerAPreflightFromAListedOrigin() {
        http.send(EmbeddedHttp.request(
                "OPTIONS", http.context.ssePath, ORIGIN, "Access-Control-Request-Headers: authorization"));
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 204"), answer);
        assertTrue(answer.contains("access-control-allow-origin: https://app.example\r\n"), answer);
        assertTrue(answer.contains("access-control-allow-credentials: true\r\n"), answer);
        assertTrue(answer.contains("access-control-allow-methods: GET\r\n"), answer);
        assertTrue(answer.contains("access-control-max-age: 600\r\n"), answer);
        assertTrue(http.channel.isActive(), "keep-alive");
    }

    @Test
    void shouldRefuseAPreflightFromAnotherOrigin() {
        http.send(EmbeddedHttp.request("OPTIONS", http.context.pollPath, "Origin: https://evil.example"));
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        assertFalse(answer.contains("access-control-allow-origin"), answer);
    }

    @Test
    void shouldAllowTheOriginToReadAnErrorToo() {
        http.send(EmbeddedHttp.get(http.context.pollPath + "?symbols=AAA", ORIGIN));
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 401"), answer);
        assertTrue(answer.contains("access-control-allow-origin: https://app.example\r\n"), answer);
    }

    @Test
    void shouldNotDecorateOtherPaths() {
        http.send(EmbeddedHttp.get("/health", ORIGIN));
        assertFalse(http.written().contains("access-control-allow-origin"));
    }

    @Test
    void shouldForgetTheOriginForTheNextRequestOnTheConnection() {
        http.send(EmbeddedHttp.request(
                "OPTIONS", http.context.ssePath, ORIGIN, "Access-Control-Request-Headers: authorization"));
        assertTrue(http.written().contains("access-control-allow-origin"));
        http.send(EmbeddedHttp.get("/health"));
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertFalse(answer.contains("access-control-allow-origin"), answer);
    }

    @Test
    void shouldKeepNoOriginOnAConnectionThatNeverHadOne() {
        // Every WebSocket connection passes here once: an attribute set to null would stay for its life.
        http.send(EmbeddedHttp.get("/health"));
        assertTrue(http.written().startsWith("HTTP/1.1 200"));
        assertFalse(http.channel.hasAttr(AttributeKey.valueOf("tickfan.corsOrigin")));
    }

    @Test
    void shouldDecorateTheStreamHeadThenLeaveThePipeline() {
        http.send(EmbeddedHttp.get(http.context.ssePath + "?symbols=AAA", ORIGIN, EmbeddedHttp.bearer()));
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("access-control-allow-origin: https://app.example\r\n"), answer);
        assertTrue(answer.endsWith("retry: 2000\n\n"), answer);
        assertNotNull(http.channel.pipeline().get("sse"));
        assertNull(http.channel.pipeline().get(CorsHeaders.NAME), "ticks never pass it");
    }
}
