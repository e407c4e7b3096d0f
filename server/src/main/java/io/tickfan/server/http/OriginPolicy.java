package io.tickfan.server.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import java.net.URI;
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
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null) {
            return false;
        }
        final URI uri;
        try {
            uri = new URI(origin);
        } catch (Exception e) {
            return false;
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            return false; // "null" (sandboxed pages, file:) is nobody's own origin
        }
        final int port = uri.getPort() >= 0 ? uri.getPort() : defaultPort(uri.getScheme());
        host = host.toLowerCase(Locale.ROOT);
        final String withPort = host.lastIndexOf(':') > host.lastIndexOf(']') ? host : host + ":" + port;
        return withPort.equals(uri.getHost().toLowerCase(Locale.ROOT) + ":" + port);
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
