package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.RawWebSocket.UpgradeResponse;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A browser sends its cookies with any page's WebSocket and requests: the origin allow-list keeps
 * foreign pages from using them, admin actions take no cookie at all, and listed origins get CORS
 * on /sse and /poll.
 */
@Tag("fault")
class OriginIT {
    private static final String COOKIE = "tickfan_token";
    private static final String EVIL = "https://evil.example";
    private static final String APP = "https://app.example.com";

    /** No allow-list: the server's own origin only, for cookie tokens. */
    private static TickfanServer open;
    /** {@code http.allowedOrigins=https://app.example.com, http://other.test:8080}. */
    private static TickfanServer listed;

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    @BeforeAll
    static void start() throws Exception {
        open = TickfanServerExtension.start(c -> c);
        listed = TickfanServerExtension.start(
                c -> c.with(ServerConfig.ALLOWED_ORIGINS, APP + ", http://other.test:8080"));
    }

    @AfterAll
    static void stop() {
        open.close();
        listed.close();
    }

    @Test
    void shouldRefuseCookieTokenFromForeignOriginBeforeUpgrade() {
        final UpgradeResponse r = upgrade(open, Map.of("Cookie", COOKIE + "=" + TestTokens.valid(), "Origin", EVIL));
        assertEquals(403, r.status(), r.headerBlock());
        assertNull(r.webSocket());
        assertTrue(r.body().contains("origin not allowed"), r.body());
    }

    @Test
    void shouldAcceptCookieTokenFromOwnOriginOrWithoutOrigin() {
        final String own = "http://127.0.0.1:" + open.port();
        assertUpgraded(upgrade(open, Map.of("Cookie", COOKIE + "=" + TestTokens.valid(), "Origin", own)));
        assertUpgraded(upgrade(open, Map.of("Cookie", COOKIE + "=" + TestTokens.valid())));
    }

    /** A token the page presents itself (it had to hold it) is not a browser's ambient credential. */
    @Test
    void shouldAcceptPresentedTokenFromAnyOriginWithoutAllowList() {
        assertUpgraded(upgrade(
                open, Map.of("Origin", EVIL, "Sec-WebSocket-Protocol", "tickfan.v1, bearer." + TestTokens.valid())));
    }

    @Test
    void shouldHoldEveryOriginToTheListWhenOneIsSet() {
        assertUpgraded(upgrade(listed, Map.of("Cookie", COOKIE + "=" + TestTokens.valid(), "Origin", APP)));
        assertEquals(
                403,
                upgrade(listed, Map.of("Authorization", "Bearer " + TestTokens.valid(), "Origin", EVIL))
                        .status());
        assertEquals(
                403,
                upgrade(listed, Map.of("Cookie", COOKIE + "=" + TestTokens.valid(), "Origin", EVIL))
                        .status());
    }

    /** Admin actions: the Authorization header only, never a cookie a browser would send by itself. */
    @Test
    void shouldTakeAdminTokenFromAuthorizationHeaderOnly() throws Exception {
        final String admin = TestTokens.admin();
        // An unknown action answers 404 only after the token passed, so nothing is drained here.
        final HttpResponse<String> byCookie = send(HttpRequest.newBuilder(uri(open, "/admin/nothing"))
                .header("Cookie", COOKIE + "=" + admin)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(401, byCookie.statusCode(), byCookie.body());
        assertTrue(byCookie.body().contains("missing token"), byCookie.body());
        final HttpResponse<String> byHeader = send(HttpRequest.newBuilder(uri(open, "/admin/nothing"))
                .header("Authorization", "Bearer " + admin)
                .POST(HttpRequest.BodyPublishers.noBody()));
        assertEquals(404, byHeader.statusCode(), byHeader.body());
    }

    @Test
    void shouldAnswerCorsPreflightForListedOriginOnly() throws Exception {
        for (String path : new String[] {"/sse?symbols=AAPL", "/poll?symbols=AAPL"}) {
            final HttpResponse<String> ok = send(HttpRequest.newBuilder(uri(listed, path))
                    .header("Origin", APP)
                    .header("Access-Control-Request-Method", "GET")
                    .header("Access-Control-Request-Headers", "authorization, last-event-id")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertEquals(204, ok.statusCode(), path);
            assertEquals(
                    APP, ok.headers().firstValue("Access-Control-Allow-Origin").orElse(null), path);
            assertEquals(
                    "true",
                    ok.headers().firstValue("Access-Control-Allow-Credentials").orElse(null));
            assertTrue(ok.headers()
                    .firstValue("Access-Control-Allow-Headers")
                    .orElse("")
                    .contains("Authorization"));
            final HttpResponse<String> refused = send(HttpRequest.newBuilder(uri(listed, path))
                    .header("Origin", EVIL)
                    .header("Access-Control-Request-Method", "GET")
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
            assertEquals(403, refused.statusCode(), path);
            assertTrue(
                    refused.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
        }
    }

    /** A page on a listed origin can read the poll's answer, and its refusals too. */
    @Test
    void shouldAllowListedOriginToReadPollAnswersWithCredentials() throws Exception {
        final HttpResponse<String> ok = send(HttpRequest.newBuilder(uri(listed, "/poll?symbols=AAPL&waitMs=0"))
                .header("Origin", APP)
                .header("Cookie", COOKIE + "=" + TestTokens.valid()));
        assertEquals(200, ok.statusCode(), ok.body());
        assertEquals(APP, ok.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals(
                "true",
                ok.headers().firstValue("Access-Control-Allow-Credentials").orElse(null));
        final HttpResponse<String> refused = send(HttpRequest.newBuilder(uri(listed, "/poll?symbols=AAPL&waitMs=0"))
                .header("Origin", APP));
        assertEquals(401, refused.statusCode(), refused.body());
        assertEquals(
                APP, refused.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        final HttpResponse<String> foreign = send(HttpRequest.newBuilder(uri(listed, "/poll?symbols=AAPL&waitMs=0"))
                .header("Origin", EVIL)
                .header("Authorization", "Bearer " + TestTokens.valid()));
        assertEquals(403, foreign.statusCode(), foreign.body());
        assertTrue(foreign.headers().firstValue("Access-Control-Allow-Origin").isEmpty());
    }

    private static UpgradeResponse upgrade(TickfanServer server, Map<String, String> headers) {
        return RawWebSocket.upgrade(server.port(), "/ws", headers);
    }

    private static void assertUpgraded(UpgradeResponse r) {
        try {
            assertEquals(101, r.status(), () -> r.headerBlock() + "\n" + r.body());
        } finally {
            if (r.webSocket() != null) {
                r.webSocket().close();
            }
        }
    }

    private static URI uri(TickfanServer server, String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + server.port() + pathAndQuery);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
