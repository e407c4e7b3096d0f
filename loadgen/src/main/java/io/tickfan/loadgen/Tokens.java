package io.tickfan.loadgen;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** Mints HS256 tokens from a shared secret, so a load run needs no token service. */
final class Tokens {
    private Tokens() {}

    /** A token for {@code subject}, valid for {@code ttl}, with the publisher role if asked. */
    static String mint(String secret, String subject, boolean publisher, Duration ttl) {
        var builder =
                JWT.create().withSubject(subject).withExpiresAt(Instant.now().plus(ttl));
        if (publisher) {
            builder = builder.withArrayClaim("roles", new String[] {"publisher"});
        }
        return builder.sign(Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8)));
    }

    /** A plain subscriber token signed by {@code algorithm}. */
    static String mint(Algorithm algorithm, String subject, Duration ttl) {
        return JWT.create()
                .withSubject(subject)
                .withExpiresAt(Instant.now().plus(ttl))
                .sign(algorithm);
    }

    /** The signing algorithm for {@code alg} (HS256 with {@code secret}, RS256/ES256 with a PKCS#8 PEM key). */
    static Algorithm algorithm(String alg, String secret, java.nio.file.Path keyFile) throws Exception {
        if ("HS256".equals(alg)) {
            return Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8));
        }
        final String pem = java.nio.file.Files.readString(keyFile)
                .replaceAll("-----[A-Z ]+-----", "")
                .replaceAll("\\s", "");
        final var spec = new java.security.spec.PKCS8EncodedKeySpec(
                java.util.Base64.getDecoder().decode(pem));
        return switch (alg) {
            case "RS256" ->
                Algorithm.RSA256(null, (java.security.interfaces.RSAPrivateKey)
                        java.security.KeyFactory.getInstance("RSA").generatePrivate(spec));
            case "ES256" ->
                Algorithm.ECDSA256(null, (java.security.interfaces.ECPrivateKey)
                        java.security.KeyFactory.getInstance("EC").generatePrivate(spec));
            default -> throw new IllegalArgumentException("unknown algorithm " + alg);
        };
    }

    /** A token with the {@code admin} role (drain, disconnect-all). */
    static String mintAdmin(String secret, Duration ttl) {
        return JWT.create()
                .withSubject("loadgen-admin")
                .withExpiresAt(Instant.now().plus(ttl))
                .withArrayClaim("roles", new String[] {"admin"})
                .sign(Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8)));
    }
}
