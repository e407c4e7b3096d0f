package io.tickfan.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Which browser origins may use the server with a browser's credentials ({@code
 * http.allowedOrigins}). A page's {@code Origin} is sent by browsers on every WebSocket handshake
 * and every cross-origin request; a request without one is not a cross-site browser request.
 *
 * <ul>
 *   <li>The server's own origin (the {@code Origin}'s host and port are the request's {@code Host})
 *       is always allowed.
 *   <li>With a list: any other origin must be on it, whatever carries the token.
 *   <li>Without one: any other origin is refused when a cookie carries the token (the browser sends
 *       it by itself: cross-site WebSocket hijacking), and allowed when the page presented the token
 *       itself (header, subprotocol), since it had to hold it.
 * </ul>
 *
 * The same list grants CORS ({@link #corsOrigin}) to {@code /sse} and {@code /poll}.
 */
public final class OriginPolicy {
    private final Set<String> allowed;

    /** @param allowedOrigins comma-separated origins ({@code scheme://host[:port]}), or empty */
    public OriginPolicy(String allowedOrigins) {
        this.allowed = Stream.of(allowedOrigins.split(","))
                .map(String::trim)
                .filter(o -> !o.isEmpty())
                .map(OriginPolicy::normalize)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** Whether {@code request} may go on, its token having come from a cookie or not. */
    public boolean permits(HttpRequest request, boolean cookieToken) {
        final String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin == null || isOwn(origin, request) || allowed.contains(normalize(origin))) {
            return true;
        }
        return allowed.isEmpty() && !cookieToken;
    }

    /** The origin to allow in CORS headers (a listed origin, echoed), or null for none. */
    public String corsOrigin(HttpRequest request) {
        final String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        return origin != null && allowed.contains(normalize(origin)) ? origin : null;
    }

    private static boolean isOwn(String origin, HttpRequest request) {
        final String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            return false;
        }
        // An origin is scheme "://" host [":" port] (RFC 6454); "null" (sandboxed pages, file:) and
        // anything else that is not one is nobody's own origin. Read by hand: a java.net.URI per
        // upgrade was one of the larger methods the JIT compiled in a reconnect storm.
        final int sep = origin.indexOf("://");
        if (sep <= 0) {
            return false;
        }
        // Compared in place, by index: no substring per upgrade.
        final int hostStart = sep + 3;
        final int slash = origin.indexOf('/', hostStart);
        final int authorityEnd = slash < 0 ? origin.length() : slash;
        final int colon = portColon(origin, hostStart, authorityEnd);
        final int originHostEnd = colon < 0 ? authorityEnd : colon;
        final int originPort = colon < 0 ? defaultPort(origin, sep) : port(origin, colon + 1, authorityEnd);
        final int hostColon = portColon(host, 0, host.length());
        final int requestHostEnd = hostColon < 0 ? host.length() : hostColon;
        final int requestPort = hostColon < 0 ? originPort : port(host, hostColon + 1, host.length());
        final int hostLength = originHostEnd - hostStart;
        return hostLength > 0
                && originPort >= 0
                && originPort == requestPort
                && hostLength == requestHostEnd
                && origin.regionMatches(true, hostStart, host, 0, hostLength);
    }

    /**
     * The colon before a port in {@code s[from, to)}: the last one, if it comes after an IPv6
     * literal's bracket; else -1.
     */
    private static int portColon(String s, int from, int to) {
        final int colon = s.lastIndexOf(':', to - 1);
        return colon >= from && colon > s.lastIndexOf(']', to - 1) ? colon : -1;
    }

    /** A port of 1-5 digits in {@code s[from, to)}, or -1. */
    private static int port(String s, int from, int to) {
        if (to <= from || to - from > 5) {
            return -1;
        }
        int p = 0;
        for (int i = from; i < to; i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            p = p * 10 + (c - '0');
        }
        return p <= 65535 ? p : -1;
    }

    /** 443 for an {@code https} or {@code wss} scheme ({@code origin[0, schemeEnd)}), else 80. */
    private static int defaultPort(String origin, int schemeEnd) {
        final boolean secure = (schemeEnd == 5 && origin.regionMatches(true, 0, "https", 0, 5))
                || (schemeEnd == 3 && origin.regionMatches(true, 0, "wss", 0, 3));
        return secure ? 443 : 80;
    }

    /** Origins compare case-insensitively and without a trailing slash. */
    private static String normalize(String origin) {
        final String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
