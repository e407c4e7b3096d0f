package io.tickfan.server.auth;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.cookie.Cookie;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import java.util.List;

/**
 * Finds the token in an upgrade request, in this order: {@code Authorization: Bearer}, a
 * {@code bearer.<token>} entry in {@code Sec-WebSocket-Protocol} (browsers cannot set headers on
 * a WebSocket; the server answers with {@code tickfan.v1} and never echoes the token), the
 * configured cookie, and, only when enabled, the {@code access_token} query parameter.
 */
public final class TokenExtractor {
    /** The subprotocol a browser client offers next to its {@code bearer.} entry. */
    public static final String SUBPROTOCOL = "tickfan.v1";

    static final String BEARER_PROTOCOL_PREFIX = "bearer.";

    private final String cookieName;
    private final boolean allowQueryToken;

    public TokenExtractor(String cookieName, boolean allowQueryToken) {
        this.cookieName = cookieName;
        this.allowQueryToken = allowQueryToken;
    }

    /** The token, or null if the request carries none. */
    public String extract(HttpRequest request) {
        final String header = fromAuthorizationHeader(request);
        if (header != null) {
            return header;
        }
        final String protocols = request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (protocols != null) {
            for (String p : protocols.split(",")) {
                final String trimmed = p.trim();
                if (trimmed.startsWith(BEARER_PROTOCOL_PREFIX)) {
                    return trimmed.substring(BEARER_PROTOCOL_PREFIX.length());
                }
            }
        }
        final String cookie = fromCookie(request);
        if (cookie != null) {
            return cookie;
        }
        if (allowQueryToken) {
            final List<String> values =
                    new QueryStringDecoder(request.uri()).parameters().get("access_token");
            if (values != null && !values.isEmpty()) {
                return values.get(0);
            }
        }
        return null;
    }

    /** The token of an {@code Authorization: Bearer} header, or null: the only source for admin actions. */
    public String fromAuthorizationHeader(HttpRequest request) {
        final String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return authorization.substring(7).trim();
        }
        return null;
    }

    /**
     * Whether {@link #extract} takes the token from the cookie: the one source a browser sends by
     * itself, so the one a foreign page could use (see {@code OriginPolicy}).
     */
    public boolean carriedByCookie(HttpRequest request) {
        if (!request.headers().contains(HttpHeaderNames.COOKIE)) {
            return false; // the usual case: no second copy of the token to learn it
        }
        final String token = extract(request);
        return token != null && token.equals(fromCookie(request));
    }

    private String fromCookie(HttpRequest request) {
        final String cookieHeader = request.headers().get(HttpHeaderNames.COOKIE);
        if (cookieHeader != null) {
            for (Cookie c : ServerCookieDecoder.STRICT.decodeAll(cookieHeader)) {
                if (c.name().equals(cookieName)) {
                    return c.value();
                }
            }
        }
        return null;
    }
}
