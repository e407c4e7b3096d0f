package io.tickfan.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.tickfan.server.config.ServerConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code tickfan-server mint-token [--sub=NAME] [--roles=publisher,admin] [--symbols=*]
 * [--ttlSeconds=N] [--config=FILE | --auth.hs256Secret=...]}: prints an HS256 token signed with the
 * configured secret (from the config file, environment or flag, as the server reads it). RS256
 * and ES256 tokens are signed by whoever holds the private key, not by the server.
 */
final class TokenMint {
    private TokenMint() {}

    /** @return the process exit code */
    static int run(String[] args) {
        String subject = "feed";
        String[] roles = {"publisher"};
        String[] symbols = {"*"};
        long ttlSeconds = 86_400;
        final List<String> rest = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("--sub=")) {
                subject = arg.substring("--sub=".length());
            } else if (arg.startsWith("--roles=")) {
                roles = split(arg.substring("--roles=".length()));
            } else if (arg.startsWith("--symbols=")) {
                symbols = split(arg.substring("--symbols=".length()));
            } else if (arg.startsWith("--ttlSeconds=")) {
                try {
                    ttlSeconds = Long.parseLong(arg.substring("--ttlSeconds=".length()));
                } catch (NumberFormatException e) {
                    System.err.println("tickfan: mint-token: --ttlSeconds must be a whole number, got: " + arg);
                    return 2;
                }
            } else {
                rest.add(arg);
            }
        }
        final ServerConfig config;
        try {
            config = ServerConfig.load(rest.toArray(new String[0]), System.getenv(), System.getProperties());
        } catch (IllegalArgumentException e) {
            System.err.println("tickfan: mint-token: " + e.getMessage());
            return 2;
        }
        final String secret = config.string(ServerConfig.AUTH_HS256_SECRET);
        if (secret.isEmpty()) {
            System.err.println("tickfan: mint-token: auth.hs256Secret is not set (config file, TICKFAN_AUTH_HS256SECRET"
                    + " or --auth.hs256Secret); a server without a key makes a random one and prints its own tokens");
            return 2;
        }
        System.out.println(mint(secret, subject, symbols, roles, Duration.ofSeconds(ttlSeconds)));
        return 0;
    }

    static String mint(String secret, String subject, String[] symbols, String[] roles, Duration ttl) {
        final var builder =
                JWT.create().withSubject(subject).withExpiresAt(Instant.now().plus(ttl));
        if (symbols.length > 0) {
            builder.withArrayClaim("sym", symbols);
        }
        if (roles.length > 0) {
            builder.withArrayClaim("roles", roles);
        }
        return builder.sign(Algorithm.HMAC256(secret.getBytes(StandardCharsets.UTF_8)));
    }

    private static String[] split(String list) {
        return list.isBlank() ? new String[0] : list.split(",");
    }
}
