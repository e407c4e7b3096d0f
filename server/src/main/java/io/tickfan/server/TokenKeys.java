package io.tickfan.server;

import io.tickfan.server.auth.KeyFiles;
import io.tickfan.server.auth.TokenVerifier;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.config.Setting;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Base64;

/**
 * The token verifier a server's settings ask for: the HS256 secret and the RS256 and ES256 public
 * key files ({@code auth.*}). With none of them set the server makes a throwaway secret, which it
 * alone knows ({@link #generatedSecret}: the demo's tokens are signed with it).
 *
 * @param verifier checks every client's token
 * @param generatedSecret the throwaway secret, or null when the settings gave a key
 */
record TokenKeys(TokenVerifier verifier, String generatedSecret) {

    /**
     * Reads the keys the settings name.
     *
     * @throws StartupFailure naming the setting when a key file cannot be read
     */
    static TokenKeys fromConfig(ServerConfig config) {
        String secret = config.string(ServerConfig.AUTH_HS256_SECRET);
        final RSAPublicKey rsa = keyOrNull(config, ServerConfig.AUTH_RS256_PUBLIC_KEY, true);
        final ECPublicKey ec = keyOrNull(config, ServerConfig.AUTH_ES256_PUBLIC_KEY, false);
        final String generatedSecret;
        if (secret.isEmpty() && rsa == null && ec == null) {
            final byte[] random = new byte[32];
            new SecureRandom().nextBytes(random);
            secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            generatedSecret = secret;
        } else {
            generatedSecret = null;
        }
        final TokenVerifier verifier = new TokenVerifier(
                secret.isEmpty() ? null : secret.getBytes(StandardCharsets.UTF_8),
                rsa,
                ec,
                config.string(ServerConfig.AUTH_ISSUER),
                config.string(ServerConfig.AUTH_AUDIENCE),
                config.longValue(ServerConfig.AUTH_LEEWAY_SECONDS));
        return new TokenKeys(verifier, generatedSecret);
    }

    private static <K> K keyOrNull(ServerConfig config, Setting setting, boolean rsa) {
        final String file = config.string(setting);
        if (file.isEmpty()) {
            return null;
        }
        try {
            @SuppressWarnings("unchecked")
            final K key = (K) (rsa ? KeyFiles.rsaPublicKey(Path.of(file)) : KeyFiles.ecPublicKey(Path.of(file)));
            return key;
        } catch (Exception e) {
            throw new StartupFailure(setting.key(), "cannot read a public key from " + file, e);
        }
    }
}
