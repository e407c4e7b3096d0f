package io.tickfan.loadgen;

import io.tickfan.protocol.EpochNanos;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * Calls pods' admin endpoints ({@code POST /admin/disconnect}) for storm drills. Made and {@link
 * #prepare() prepared} before the drill's "ready": the JDK's HTTP client costs a selector thread,
 * an SSL context and a few hundred classes the first time, which a loadgen busy with thousands of
 * clients took seconds to get through after the trigger (the drop then seemed to start late).
 * Preparing also opens a keep-alive connection to each pod with {@code GET /health}, so the
 * trigger itself is one request on a connection that is already there.
 */
final class AdminTrigger {
    private final List<URI> wsUrls;
    private final String adminToken;
    private final HttpClient http;
    /** When the last {@link #disconnectAll()} started and when its last answer came (EpochNanos). */
    private volatile long sentNs;

    private volatile long answeredNs;
    /** How long {@link #prepare()} took: what a cold client would have added to the trigger. */
    private volatile long prepareNs;

    AdminTrigger(List<URI> wsUrls, String adminToken) {
        this.wsUrls = List.copyOf(wsUrls);
        this.adminToken = adminToken;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /** The http(s) URL of {@code path} on the pod that serves the WebSocket {@code wsUrl}. */
    static URI adminUri(URI wsUrl, String path) {
        final String scheme = "wss".equals(wsUrl.getScheme()) || "https".equals(wsUrl.getScheme()) ? "https" : "http";
        return URI.create(scheme + "://" + wsUrl.getHost() + (wsUrl.getPort() > 0 ? ":" + wsUrl.getPort() : "") + path);
    }

    /**
     * Warms the client and connects it to every pod ({@code GET /health}); returns null when every
     * pod answered 200, else what went wrong (the drill can still try the trigger).
     */
    String prepare() {
        final long startNs = EpochNanos.now();
        try {
            return connectEach();
        } finally {
            prepareNs = EpochNanos.now() - startNs;
        }
    }

    private String connectEach() {
        for (URI url : wsUrls) {
            final String error =
                    send(HttpRequest.newBuilder(adminUri(url, "/health")).GET());
            if (error != null) {
                return error;
            }
        }
        return null;
    }

    /** Sends {@code request} (30 s timeout); null on a 200, else what went wrong. */
    private String send(HttpRequest.Builder request) {
        final HttpRequest built = request.timeout(Duration.ofSeconds(30)).build();
        final String what = built.method() + " " + built.uri();
        try {
            final HttpResponse<String> response = http.send(built, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200
                    ? null
                    : what + " answered " + response.statusCode() + ": " + response.body();
        } catch (Exception e) {
            return what + " failed: " + e;
        }
    }

    /**
     * Tells every pod to close every WebSocket client with a jittered {@code retry_ms} (they keep
     * accepting). Returns null on success, else what went wrong (the last failure).
     */
    String disconnectAll() {
        sentNs = EpochNanos.now();
        String error = null;
        for (URI url : wsUrls) {
            final String failed = send(HttpRequest.newBuilder(adminUri(url, "/admin/disconnect"))
                    .header("Authorization", "Bearer " + adminToken)
                    .POST(HttpRequest.BodyPublishers.noBody()));
            if (failed != null) {
                error = failed;
            }
        }
        answeredNs = EpochNanos.now();
        return error;
    }

    /** How long {@link #prepare()} took, in nanoseconds. */
    long prepareNs() {
        return prepareNs;
    }

    /** When the last trigger was sent (EpochNanos), 0 before. */
    long sentNs() {
        return sentNs;
    }

    /** When the last trigger's last answer came (EpochNanos), 0 before. */
    long answeredNs() {
        return answeredNs;
    }
}
