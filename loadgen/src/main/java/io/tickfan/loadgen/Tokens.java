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

    /** A token with the {@code admin} role (drain, disconnect-all). */
    static String mintAdmin(String secret, Duration ttl) {
        return JWT.create()
                .withSubject("loadgen-admin")
                .withExpiresAt(Instant.now().plus(ttl))
                .withArrayClaim("roles", new String[] {"admin"})
                .sign(Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8)));
    }
}
