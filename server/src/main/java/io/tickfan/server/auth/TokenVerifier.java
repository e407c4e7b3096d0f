package io.tickfan.server.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.Verification;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Verifies JWTs against the configured keys. The verifier is chosen by the token's {@code alg}
 * header among the algorithms that have a key, so {@code alg: none} and HS/RS key confusion (an
 * HS256 token signed with the RSA public key as secret) fail: there is no HS256 verifier unless an
 * HS256 secret is configured, and each verifier checks that the header matches its algorithm.
 *
 * <p>Claims: {@code sub} and {@code exp} are required; {@code sym} (string or array of symbol
 * patterns) limits subscriptions; {@code roles} (array) or {@code role} (string) containing
 * {@code publisher} allows publishing, {@code admin} the admin endpoints. Thread-safe.
 */
public final class TokenVerifier {
    /** Role claim value that allows {@code publish}. */
    public static final String PUBLISHER_ROLE = "publisher";

    /** Role claim value that allows the admin endpoints. */
    public static final String ADMIN_ROLE = "admin";

    private final Map<String, JWTVerifier> verifiersByAlg = new HashMap<>();

    /**
     * @param hs256Secret HS256 secret bytes, or null
     * @param rsaKey RS256 public key, or null
     * @param ecKey ES256 public key, or null
     * @param issuer required {@code iss}, or null
     * @param audience required {@code aud}, or null
     * @param leewaySeconds clock skew allowed on time claims
     */
    public TokenVerifier(
            byte[] hs256Secret,
            RSAPublicKey rsaKey,
            ECPublicKey ecKey,
            String issuer,
            String audience,
            long leewaySeconds) {
        if (hs256Secret != null) {
            verifiersByAlg.put("HS256", build(Algorithm.HMAC256(hs256Secret), issuer, audience, leewaySeconds));
        }
        if (rsaKey != null) {
            verifiersByAlg.put("RS256", build(Algorithm.RSA256(rsaKey, null), issuer, audience, leewaySeconds));
        }
        if (ecKey != null) {
            verifiersByAlg.put("ES256", build(Algorithm.ECDSA256(ecKey, null), issuer, audience, leewaySeconds));
        }
        if (verifiersByAlg.isEmpty()) {
            throw new IllegalArgumentException("no token key configured");
        }
    }

    private static JWTVerifier build(Algorithm algorithm, String issuer, String audience, long leewaySeconds) {
        Verification v = JWT.require(algorithm)
                .acceptLeeway(leewaySeconds)
                .withClaimPresence("exp")
                .withClaimPresence("sub");
        if (issuer != null && !issuer.isEmpty()) {
            v = v.withIssuer(issuer);
        }
        if (audience != null && !audience.isEmpty()) {
            v = v.withAudience(audience);
        }
        return v.build();
    }

    /** Verifies {@code token} (the bare JWT, no {@code Bearer} prefix). Never throws. */
    public AuthResult verify(String token) {
        if (token == null || token.isEmpty()) {
            return AuthResult.unauthorized("missing token");
        }
        final DecodedJWT jwt;
        try {
            jwt = JWT.decode(token);
        } catch (JWTDecodeException e) {
            return AuthResult.unauthorized("malformed token");
        }
        final JWTVerifier verifier = verifiersByAlg.get(jwt.getAlgorithm());
        if (verifier == null) {
            return AuthResult.unauthorized("unsupported alg");
        }
        try {
            verifier.verify(jwt);
        } catch (TokenExpiredException e) {
            return AuthResult.unauthorized("token expired");
        } catch (SignatureVerificationException | AlgorithmMismatchException e) {
            return AuthResult.unauthorized("bad signature");
        } catch (MissingClaimException e) {
            return AuthResult.unauthorized("missing claim: " + e.getClaimName());
        } catch (IncorrectClaimException e) {
            return AuthResult.unauthorized(incorrectClaimReason(e.getClaimName()));
        } catch (JWTVerificationException e) {
            return AuthResult.unauthorized("invalid token");
        }
        if (jwt.getSubject() == null || jwt.getSubject().isEmpty()) {
            return AuthResult.unauthorized("missing claim: sub");
        }
        if (jwt.getExpiresAtAsInstant() == null) {
            return AuthResult.unauthorized("missing claim: exp");
        }
        return principal(jwt);
    }

    private static String incorrectClaimReason(String claim) {
        return switch (claim) {
            case "nbf", "iat" -> "token not yet valid";
            case "iss" -> "wrong issuer";
            case "aud" -> "wrong audience";
            default -> "invalid claim: " + claim;
        };
    }

    private static AuthResult principal(DecodedJWT jwt) {
        final Claim symClaim = jwt.getClaim("sym");
        final Entitlements entitlements;
        if (symClaim.isMissing()) {
            entitlements = Entitlements.ALL;
        } else if (symClaim.isNull()) {
            // Absent means every symbol; null is not absent, and must not widen a token by mistake.
            return AuthResult.unauthorized("invalid claim: sym");
        } else {
            final List<String> patterns = stringOrList(symClaim);
            if (patterns == null) {
                return AuthResult.unauthorized("invalid claim: sym");
            }
            entitlements = Entitlements.of(patterns);
        }
        final boolean publisher = hasRole(jwt, PUBLISHER_ROLE);
        final boolean admin = hasRole(jwt, ADMIN_ROLE);
        if (entitlements.isEmpty() && !publisher && !admin) {
            return AuthResult.forbidden("token grants no symbols and no publisher role");
        }
        return AuthResult.ok(new Principal(
                jwt.getSubject(), jwt.getExpiresAtAsInstant().toEpochMilli(), entitlements, publisher, admin));
    }

    private static boolean hasRole(DecodedJWT jwt, String wanted) {
        final Claim roles = jwt.getClaim("roles");
        if (!roles.isMissing() && !roles.isNull()) {
            final List<String> list = stringOrList(roles);
            if (list != null && list.contains(wanted)) {
                return true;
            }
        }
        final Claim role = jwt.getClaim("role");
        return wanted.equals(role.asString());
    }

    private static List<String> stringOrList(Claim claim) {
        final String single = claim.asString();
        if (single != null) {
            return List.of(single);
        }
        try {
            return claim.asList(String.class);
        } catch (JWTDecodeException e) {
            return null;
        }
    }
}
