package io.tickfan.server.testing;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTCreator;
import com.auth0.jwt.algorithms.Algorithm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/**
 * Makes JWTs for tests with java-jwt, valid or broken in exactly one way. Tokens carry {@link
 * #ISSUER} and {@link #AUDIENCE} (a server that requires them accepts them, one that does not
 * ignores them), {@code sub}, and {@code exp} five minutes ahead unless a builder says otherwise.
 *
 * <pre>
 * TestTokens.valid()                                 // HS256, all symbols
 * TestTokens.builder().symbols("AAPL", "FX.*").hs256()
 * TestTokens.builder().publisher().rs256()
 * TestTokens.expired(), notYetValid(), wrongIssuer(), algNone(), keyConfusion() ...
 * </pre>
 */
public final class TestTokens {
    /** The HS256 secret {@link TickfanServerExtension} configures. */
    public static final String SECRET = "tickfan-test-secret-0123456789abcdef-0123456789abcdef";

    public static final String ISSUER = "tickfan-test-issuer";
    public static final String AUDIENCE = "tickfan-test-audience";

    private TestTokens() {}

    public static Builder builder() {
        return new Builder();
    }

    /** HS256, subject "alice", every symbol, no publisher role. */
    public static String valid() {
        return builder().hs256();
    }

    /** HS256 with the publisher role (and every symbol). */
    public static String publisher() {
        return builder().subject("feed").publisher().hs256();
    }

    /** HS256 with the admin role only (subject "ops", no symbols): drain, disconnect, metrics. */
    public static String admin() {
        return JWT.create()
                .withSubject("ops")
                .withIssuer(ISSUER)
                .withAudience(AUDIENCE)
                .withExpiresAt(Instant.now().plusSeconds(300))
                .withArrayClaim("roles", new String[] {"admin"})
                .sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    /** HS256 entitled to {@code patterns} only. */
    public static String entitledTo(String... patterns) {
        return builder().symbols(patterns).hs256();
    }

    /** Expired an hour ago (well past the leeway). */
    public static String expired() {
        return builder()
                .issuedAt(Instant.now().minus(Duration.ofHours(2)))
                .expiresAt(Instant.now().minus(Duration.ofHours(1)))
                .hs256();
    }

    /** Valid only from an hour from now ({@code nbf}). */
    public static String notYetValid() {
        return builder().notBefore(Instant.now().plus(Duration.ofHours(1))).hs256();
    }

    public static String wrongIssuer() {
        return builder().issuer("someone-else").hs256();
    }

    public static String wrongAudience() {
        return builder().audience("another-service").hs256();
    }

    /** HS256 signed with a secret the server does not have. */
    public static String badSignature() {
        return builder().sign(Algorithm.HMAC256("not-the-server-secret-0123456789abcdef"));
    }

    /** RS256 signed with an RSA key the server does not have. */
    public static String badRsaSignature() {
        return builder().sign(Algorithm.RSA256(TestKeys.otherRsaPublic(), TestKeys.otherRsaPrivate()));
    }

    /** {@code alg: none}, no signature. */
    public static String algNone() {
        return builder().sign(Algorithm.none());
    }

    /** HS256 "signed" with the server's RSA public key file as the HMAC secret (the classic confusion). */
    public static String keyConfusion() {
        return builder().sign(Algorithm.HMAC256(TestKeys.rsaPublicKeyPemBytes()));
    }

    /** A valid token that grants nothing: {@code sym: []} and no publisher role (403). */
    public static String grantsNothing() {
        return builder().symbols().hs256();
    }

    /** A valid token with its payload tampered with after signing (signature no longer matches). */
    public static String tamperedPayload() {
        final String[] parts = valid().split("\\.");
        final String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
                .replace("\"sub\":\"alice\"", "\"sub\":\"admin\"");
        return parts[0] + "."
                + Base64.getUrlEncoder().withoutPadding().encodeToString(payload.getBytes(StandardCharsets.UTF_8)) + "."
                + parts[2];
    }

    /** Builds one token; every claim has a valid default. */
    public static final class Builder {
        private String subject = "alice";
        private String issuer = ISSUER;
        private String audience = AUDIENCE;
        private Instant issuedAt = Instant.now();
        private Instant expiresAt = Instant.now().plus(Duration.ofMinutes(5));
        private Instant notBefore;
        private String[] symbols;
        private boolean publisher;
        private final java.util.List<String> nullClaims = new java.util.ArrayList<>();

        private Builder() {}

        /** Sets claim {@code name} to JSON {@code null} (for example {@code "exp": null}). */
        public Builder nullClaim(String name) {
            nullClaims.add(name);
            return this;
        }

        /** {@code null} leaves {@code sub} out. */
        public Builder subject(String subject) {
            this.subject = subject;
            return this;
        }

        /** {@code null} leaves the claim out. */
        public Builder issuer(String issuer) {
            this.issuer = issuer;
            return this;
        }

        /** {@code null} leaves the claim out. */
        public Builder audience(String audience) {
            this.audience = audience;
            return this;
        }

        public Builder issuedAt(Instant issuedAt) {
            this.issuedAt = issuedAt;
            return this;
        }

        /** {@code null} leaves {@code exp} out. */
        public Builder expiresAt(Instant expiresAt) {
            this.expiresAt = expiresAt;
            return this;
        }

        public Builder notBefore(Instant notBefore) {
            this.notBefore = notBefore;
            return this;
        }

        /** The {@code sym} claim: symbol patterns; no argument makes it an empty array. */
        public Builder symbols(String... patterns) {
            this.symbols = patterns.clone();
            return this;
        }

        /** {@code roles: ["publisher"]}. */
        public Builder publisher() {
            this.publisher = true;
            return this;
        }

        public String hs256() {
            return sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));
        }

        public String rs256() {
            return sign(Algorithm.RSA256(TestKeys.rsaPublic(), TestKeys.rsaPrivate()));
        }

        public String es256() {
            return sign(Algorithm.ECDSA256(TestKeys.ecPublic(), TestKeys.ecPrivate()));
        }

        public String sign(Algorithm algorithm) {
            final JWTCreator.Builder b = JWT.create().withIssuedAt(issuedAt);
            if (subject != null) {
                b.withSubject(subject);
            }
            if (issuer != null) {
                b.withIssuer(issuer);
            }
            if (audience != null) {
                b.withAudience(audience);
            }
            if (expiresAt != null) {
                b.withExpiresAt(expiresAt);
            }
            if (notBefore != null) {
                b.withNotBefore(notBefore);
            }
            if (symbols != null) {
                b.withArrayClaim("sym", symbols);
            }
            if (publisher) {
                b.withArrayClaim("roles", new String[] {"publisher"});
            }
            for (String name : nullClaims) {
                b.withNullClaim(name);
            }
            return b.sign(algorithm);
        }
    }
}
