package io.tickfan.loadgen;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Calls a pod's admin endpoints ({@code POST /admin/disconnect}) for storm drills. */
final class AdminTrigger {
    private AdminTrigger() {}

    /** The http(s) URL of {@code path} on the pod that serves the WebSocket {@code wsUrl}. */
    static URI adminUri(URI wsUrl, String path) {
        final String scheme = "wss".equals(wsUrl.getScheme()) || "https".equals(wsUrl.getScheme()) ? "https" : "http";
        return URI.create(scheme + "://" + wsUrl.getHost() + (wsUrl.getPort() > 0 ? ":" + wsUrl.getPort() : "") + path);
    }

    /**
     * Tells the pod to close every WebSocket client with a jittered {@code retry_ms} (it keeps
     * accepting). Returns null on success, else what went wrong.
     */
    static String disconnectAll(URI wsUrl, String adminToken) {
        final URI uri = adminUri(wsUrl, "/admin/disconnect");
        try {
            final HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10))
                    .build();
            final HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(uri)
                            .timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + adminToken)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200
                    ? null
                    : "POST " + uri + " answered " + response.statusCode() + ": " + response.body();
        } catch (Exception e) {
            return "POST " + uri + " failed: " + e;
        }
    }
}
