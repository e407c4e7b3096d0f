package io.tickfan.server.auth;

/**
 * Who is on a connection, from a verified token.
 *
 * @param subject the {@code sub} claim
 * @param expiresAtMs the {@code exp} claim, epoch milliseconds
 * @param entitlements the symbols the holder may subscribe to
 * @param publisher whether the token carries the {@code publisher} role
 * @param admin whether the token carries the {@code admin} role (drain, disconnect-all)
 */
public record Principal(
        String subject, long expiresAtMs, Entitlements entitlements, boolean publisher, boolean admin) {}
