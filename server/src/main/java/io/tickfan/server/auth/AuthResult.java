package io.tickfan.server.auth;

/**
 * The outcome of checking a token: a principal, or the HTTP status and reason to refuse with.
 * Refusals are values, not exceptions: they are an expected outcome of bad input.
 *
 * @param status 200 when accepted, 401 for a missing or invalid token, 403 for a valid token
 *     that grants nothing here
 * @param reason a short, stable, human-readable cause (sent to the client in JSON)
 * @param principal the verified principal when {@code status == 200}, else null
 */
public record AuthResult(int status, String reason, Principal principal) {
    public static AuthResult ok(Principal principal) {
        return new AuthResult(200, "ok", principal);
    }

    public static AuthResult unauthorized(String reason) {
        return new AuthResult(401, reason, null);
    }

    public static AuthResult forbidden(String reason) {
        return new AuthResult(403, reason, null);
    }

    public boolean isOk() {
        return status == 200;
    }
}
