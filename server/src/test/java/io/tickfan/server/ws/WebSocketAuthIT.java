package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.Json;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.RawWebSocket.UpgradeResponse;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The token is checked during the HTTP upgrade: every bad token gets 401 (403 for a valid one that
 * grants nothing) with a JSON reason, never a 101. This server requires an issuer and audience,
 * and knows an HS256 secret, an RSA and an EC public key.
 */
class WebSocketAuthIT {
    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension()
            .with(ServerConfig.AUTH_ISSUER, TestTokens.ISSUER)
            .with(ServerConfig.AUTH_AUDIENCE, TestTokens.AUDIENCE);

    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    // ---- refused before the upgrade -----------------------------------------------------------

    @Test
    void shouldRejectMissingTokenBeforeUpgrade() {
        assertRefused(upgradeWith(Map.of()), 401, "missing token");
    }

    @Test
    void shouldRejectMalformedTokenBeforeUpgrade() {
        assertRefused(upgradeWithBearer("not-a-jwt"), 401, "malformed token");
        assertRefused(upgradeWithBearer("a.b.c"), 401, "malformed token");
    }

    @Test
    void shouldRejectExpiredTokenBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.expired()), 401, "token expired");
    }

    @Test
    void shouldRejectNotYetValidTokenBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.notYetValid()), 401, "token not yet valid");
    }

    @Test
    void shouldRejectWrongIssuerBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.wrongIssuer()), 401, "wrong issuer");
        assertRefused(upgradeWithBearer(TestTokens.builder().issuer(null).hs256()), 401, null);
    }

    @Test
    void shouldRejectWrongAudienceBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.wrongAudience()), 401, "wrong audience");
        assertRefused(upgradeWithBearer(TestTokens.builder().audience(null).hs256()), 401, null);
    }

    @Test
    void shouldRejectBadSignatureBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.badSignature()), 401, "bad signature");
        assertRefused(upgradeWithBearer(TestTokens.tamperedPayload()), 401, "bad signature");
        assertRefused(upgradeWithBearer(TestTokens.badRsaSignature()), 401, "bad signature");
    }

    @Test
    void shouldRejectAlgNoneBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.algNone()), 401, null);
    }

    @Test
    void shouldRejectHsRsKeyConfusionBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.keyConfusion()), 401, "bad signature");
    }

    @Test
    void shouldRejectHsRsKeyConfusionWhenOnlyAnRsaKeyIsConfigured() throws Exception {
        try (TickfanServer rsaOnly = TickfanServerExtension.start(
                c -> c.with(ServerConfig.AUTH_HS256_SECRET, "").with(ServerConfig.AUTH_ES256_PUBLIC_KEY, ""))) {
            assertRefused(upgrade(rsaOnly.port(), "/ws", bearer(TestTokens.keyConfusion())), 401, null);
            assertUpgraded(
                    upgrade(rsaOnly.port(), "/ws", bearer(TestTokens.builder().rs256())));
        }
    }

    @Test
    void shouldRejectTokenWithoutExpiryOrSubjectBeforeUpgrade() {
        assertRefused(upgradeWithBearer(TestTokens.builder().expiresAt(null).hs256()), 401, null);
        assertRefused(upgradeWithBearer(TestTokens.builder().subject(null).hs256()), 401, null);
    }

    /** A validly signed {@code "exp": null} must get a 401 like a missing exp, not a dropped connection. */
    @Test
    void shouldRejectNullExpiryBeforeUpgrade() {
        assertRefused(
                upgradeWithBearer(
                        TestTokens.builder().expiresAt(null).nullClaim("exp").hs256()),
                401,
                null);
    }

    @Test
    void shouldForbidValidTokenThatGrantsNothingBeforeUpgrade() {
        final UpgradeResponse r = upgradeWithBearer(TestTokens.grantsNothing());
        assertRefused(r, 403, null);
        assertEquals("forbidden", Json.fields(r.body()).get("error"));
    }

    @Test
    void shouldRefuseQueryTokenUnlessEnabled() throws Exception {
        assertRefused(upgradeWith("/ws?access_token=" + TestTokens.valid(), Map.of()), 401, "missing token");
        try (TickfanServer allowing = TickfanServerExtension.start(c -> c.with(ServerConfig.AUTH_QUERY_TOKEN, true))) {
            assertUpgraded(upgrade(allowing.port(), "/ws?access_token=" + TestTokens.valid(), Map.of()));
            assertRefused(upgrade(allowing.port(), "/ws?access_token=" + TestTokens.expired(), Map.of()), 401, null);
        }
    }

    @Test
    void shouldRejectBadTokenInSubprotocolAndCookieToo() {
        assertRefused(
                upgradeWith(Map.of("Sec-WebSocket-Protocol", "tickfan.v1, bearer." + TestTokens.expired())),
                401,
                "token expired");
        assertRefused(upgradeWith(Map.of("Cookie", "tickfan_token=" + TestTokens.algNone())), 401, null);
    }

    // ---- accepted -----------------------------------------------------------------------------

    @Test
    void shouldAcceptTokenInAuthorizationHeader() {
        assertUpgraded(upgradeWithBearer(TestTokens.valid()));
        try (TestClient c = server.connect(TestTokens.valid())) {
            c.awaitPong(c.ping());
        }
    }

    @Test
    void shouldAcceptTokenInSubprotocolSelectingTickfanV1WithoutEchoingTheToken() {
        final String token = TestTokens.valid();
        final UpgradeResponse r = upgradeWith(Map.of("Sec-WebSocket-Protocol", "tickfan.v1, bearer." + token));
        assertUpgraded(r);
        assertEquals("tickfan.v1", r.header("Sec-WebSocket-Protocol"));
        assertFalse(r.headerBlock().contains(token), "the 101 must not echo the token: " + r.headerBlock());
        assertFalse(r.headerBlock().contains("bearer."), r.headerBlock());

        try (TestClient c = TestClient.connectWithSubprotocol(server.wsUri(), token)) {
            assertEquals("tickfan.v1", c.subprotocol());
            c.awaitPong(c.ping());
        }
    }

    @Test
    void shouldAcceptTokenInCookie() {
        assertUpgraded(upgradeWith(Map.of("Cookie", "theme=dark; tickfan_token=" + TestTokens.valid())));
        try (TestClient c = TestClient.connectWithCookie(server.wsUri(), "tickfan_token", TestTokens.valid())) {
            c.awaitPong(c.ping());
        }
    }

    @Test
    void shouldAcceptRs256AndEs256TokensWithConfiguredKeys() {
        for (String token :
                new String[] {TestTokens.builder().rs256(), TestTokens.builder().es256()}) {
            assertUpgraded(upgradeWithBearer(token));
            try (TestClient c = server.connect(token)) {
                c.awaitPong(c.ping());
            }
        }
    }

    @Test
    void shouldAcceptTokenWithinTheLeeway() {
        final java.time.Instant now = java.time.Instant.now();
        assertUpgraded(upgradeWithBearer(TestTokens.builder()
                .expiresAt(now.minusSeconds(2))
                .issuedAt(now.minusSeconds(60))
                .hs256()));
        assertUpgraded(upgradeWithBearer(
                TestTokens.builder().notBefore(now.plusSeconds(2)).hs256()));
    }

    // ---- helpers ------------------------------------------------------------------------------

    private static Map<String, String> bearer(String token) {
        return Map.of("Authorization", "Bearer " + token);
    }

    private static UpgradeResponse upgradeWithBearer(String token) {
        return upgradeWith(bearer(token));
    }

    private static UpgradeResponse upgradeWith(Map<String, String> headers) {
        return upgradeWith("/ws", headers);
    }

    private static UpgradeResponse upgradeWith(String pathAndQuery, Map<String, String> headers) {
        return upgrade(server.port(), pathAndQuery, headers);
    }

    private static UpgradeResponse upgrade(int port, String pathAndQuery, Map<String, String> headers) {
        return RawWebSocket.upgrade(port, pathAndQuery, headers);
    }

    /** Refused with {@code status}, a JSON body with the reason, no upgrade, and the connection closed. */
    private static void assertRefused(UpgradeResponse r, int status, String reason) {
        assertEquals(status, r.status(), () -> "response: " + r.headerBlock() + "\n\n" + r.body());
        assertNull(r.webSocket(), "no WebSocket after a refusal");
        assertNull(r.header("Sec-WebSocket-Accept"), r.headerBlock());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.headerBlock());
        final Map<String, String> body = Json.fields(r.body());
        assertEquals(status == 401 ? "unauthorized" : "forbidden", body.get("error"), r.body());
        assertTrue(body.get("reason") != null && !body.get("reason").isEmpty(), r.body());
        if (reason != null) {
            assertEquals(reason, body.get("reason"), r.body());
        }
    }

    private static void assertUpgraded(UpgradeResponse r) {
        assertEquals(101, r.status(), () -> "response: " + r.headerBlock() + "\n\n" + r.body());
        try (RawWebSocket ws = r.webSocket()) {
            ws.sendText("{\"op\":\"ping\",\"id\":\"raw\"}");
            assertTrue(ws.awaitText(CLOSE_TIMEOUT).contains("\"pong\""));
        }
    }
}
