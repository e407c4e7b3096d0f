package io.tickfan.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.testing.TestKeys;
import io.tickfan.server.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The verifier alone, without sockets: every refusal has its status and stable reason. */
class TokenVerifierTest {
    private final TokenVerifier verifier = new TokenVerifier(
            TestTokens.SECRET.getBytes(StandardCharsets.UTF_8),
            TestKeys.rsaPublic(),
            TestKeys.ecPublic(),
            TestTokens.ISSUER,
            TestTokens.AUDIENCE,
            5);

    private void assertRefused(String token, int status, String reason) {
        final AuthResult r = verifier.verify(token);
        assertEquals(status, r.status(), () -> "reason: " + r.reason());
        assertEquals(reason, r.reason());
    }

    @Test
    void shouldRefuseEachBrokenTokenWithItsReason() {
        assertRefused(null, 401, "missing token");
        assertRefused("", 401, "missing token");
        assertRefused("garbage", 401, "malformed token");
        assertRefused(TestTokens.expired(), 401, "token expired");
        assertRefused(TestTokens.notYetValid(), 401, "token not yet valid");
        assertRefused(TestTokens.wrongIssuer(), 401, "wrong issuer");
        assertRefused(TestTokens.wrongAudience(), 401, "wrong audience");
        assertRefused(TestTokens.badSignature(), 401, "bad signature");
        assertRefused(TestTokens.keyConfusion(), 401, "bad signature");
        assertRefused(TestTokens.algNone(), 401, "unsupported alg");
        assertRefused(TestTokens.grantsNothing(), 403, "token grants no symbols and no publisher role");
    }

    @Test
    void shouldRequireExpiry() {
        assertRefused(TestTokens.builder().expiresAt(null).hs256(), 401, "missing claim: exp");
    }

    @Test
    void shouldRequireSubject() {
        assertRefused(TestTokens.builder().subject(null).hs256(), 401, "missing claim: sub");
    }

    /** java-jwt's presence check passes {@code "exp": null}; the verifier must not (and must not throw). */
    @Test
    void shouldRefuseNullExpiry() {
        assertRefused(TestTokens.builder().expiresAt(null).nullClaim("exp").hs256(), 401, "missing claim: exp");
    }

    /** java-jwt's presence check passes {@code "sub": null}; a principal without a subject must not get in. */
    @Test
    void shouldRefuseNullOrEmptySubject() {
        assertRefused(TestTokens.builder().subject(null).nullClaim("sub").hs256(), 401, "missing claim: sub");
        assertRefused(TestTokens.builder().subject("").hs256(), 401, "missing claim: sub");
    }

    @Test
    void shouldReadEntitlementsAndPublisherRole() {
        final AuthResult r = verifier.verify(
                TestTokens.builder().symbols("AAPL", "FX.*").publisher().es256());
        assertTrue(r.isOk(), r.reason());
        final Principal p = r.principal();
        assertEquals("alice", p.subject());
        assertTrue(p.publisher());
        assertTrue(p.entitlements().allows("AAPL"));
        assertTrue(p.entitlements().allows("FX.EURUSD"));
        assertFalse(p.entitlements().allows("AAPL.X"));
        assertFalse(p.entitlements().allows("MSFT"));
        assertTrue(p.expiresAtMs() > Instant.now().toEpochMilli());
    }

    /** {@code sym: [""]} names no symbol: it grants nothing, like {@code sym: []}. */
    @Tag("fault")
    @Test
    void shouldRefuseTokenWhoseOnlyPatternIsEmpty() {
        assertRefused(TestTokens.builder().symbols("").hs256(), 403, "token grants no symbols and no publisher role");
    }

    /** {@code sym: null} is not an absent claim: it must not grant every symbol. */
    @Tag("fault")
    @Test
    void shouldRefuseNullSymbolClaimAsMalformed() {
        assertRefused(TestTokens.builder().nullClaim("sym").hs256(), 401, "invalid claim: sym");
    }

    @Test
    void shouldAcceptPublisherWithoutSymbols() {
        assertTrue(verifier.verify(TestTokens.builder().symbols().publisher().rs256())
                .isOk());
    }
}
