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
        final String scheme = origin.substring(0, sep);
        final String rest = origin.substring(sep + 3);
        final int slash = rest.indexOf('/');
        final String authority = slash < 0 ? rest : rest.substring(0, slash);
        final int colon = portColon(authority);
        final String originHost = colon < 0 ? authority : authority.substring(0, colon);
        final int originPort = colon < 0 ? defaultPort(scheme) : port(authority.substring(colon + 1));
        final int hostColon = portColon(host);
        final String requestHost = hostColon < 0 ? host : host.substring(0, hostColon);
        final int requestPort = hostColon < 0 ? originPort : port(host.substring(hostColon + 1));
        return !originHost.isEmpty()
                && originPort >= 0
                && originPort == requestPort
                && originHost.equalsIgnoreCase(requestHost);
    }

    /** The colon before a port: the last one, if it comes after an IPv6 literal's bracket; else -1. */
    private static int portColon(String authority) {
        final int colon = authority.lastIndexOf(':');
        return colon > authority.lastIndexOf(']') ? colon : -1;
    }

    /** A port of 1-5 digits, or -1. */
    private static int port(String digits) {
        if (digits.isEmpty() || digits.length() > 5) {
            return -1;
        }
        int p = 0;
        for (int i = 0; i < digits.length(); i++) {
            final char c = digits.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            p = p * 10 + (c - '0');
        }
        return p <= 65535 ? p : -1;
    }

    private static int defaultPort(String scheme) {
        return scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("wss") ? 443 : 80;
    }

    /** Origins compare case-insensitively and without a trailing slash. */
    private static String normalize(String origin) {
        final String o = origin.trim().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }
}
