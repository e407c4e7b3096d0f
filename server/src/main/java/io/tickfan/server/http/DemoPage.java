package io.tickfan.server.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.tickfan.server.ServerContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The live demo page, served only while the demo feed runs: {@code /} and its scripts (the
 * JavaScript client from {@code client-js/src}, packed into the jar under {@code tickfan-static/}),
 * plus {@code GET /demo/token}, which hands the page the demo's read-only token when no key is
 * configured (the server made a random secret and printed that same token). With any key
 * configured it answers 404: a real deployment never gives tokens away. A fixed list of names, so
 * no path reaches the class path.
 */
final class DemoPage {
    static final String TOKEN_PATH = "/demo/token";

    private static final Map<String, String> TYPES = Map.of(
            "/", "text/html; charset=utf-8",
            "/demo.js", "text/javascript; charset=utf-8",
            "/demo.css", "text/css; charset=utf-8",
            "/tickfan.js", "text/javascript; charset=utf-8",
            "/tickfan-worker.js", "text/javascript; charset=utf-8");
    private static final Map<String, byte[]> FILES = load();

    private DemoPage() {}

    static boolean serves(String path, ServerContext context) {
        return context.demoEnabled && (FILES.containsKey(path) || path.equals(TOKEN_PATH));
    }

    static void handle(
            ChannelHandlerContext ctx, FullHttpRequest request, String path, ServerContext context, boolean http2) {
        if (!request.method().equals(HttpMethod.GET)) {
            HttpResponses.sendErrorAndClose(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "bad_request", "GET only");
            return;
        }
        final FullHttpResponse response;
        if (path.equals(TOKEN_PATH)) {
            final String token = context.demoPageToken();
            if (token == null) {
                HttpResponses.sendErrorAndClose(
                        ctx, HttpResponseStatus.NOT_FOUND, "not_found", "no demo token: a key is configured");
                return;
            }
            response = HttpResponses.json(HttpResponseStatus.OK, "{\"token\":\"" + token + "\"}");
        } else {
            final byte[] body = FILES.get(path);
            response = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
            response.headers()
                    .set(HttpHeaderNames.CONTENT_TYPE, TYPES.get(path))
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                    .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE)
                    .set("X-Content-Type-Options", "nosniff")
                    .set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; frame-ancestors 'none'");
        }
        final boolean keepAlive = http2 || HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        final var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private static Map<String, byte[]> load() {
        final Map<String, byte[]> files = new HashMap<>();
        for (String path : TYPES.keySet()) {
            final String name = "/tickfan-static" + (path.equals("/") ? "/index.html" : path);
            try (InputStream in = DemoPage.class.getResourceAsStream(name)) {
                if (in != null) {
                    files.put(path, in.readAllBytes());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return Map.copyOf(files);
    }
}
