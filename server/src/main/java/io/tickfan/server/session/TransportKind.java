package io.tickfan.server.session;

/** How a session reaches its client, as the metrics label it. */
public enum TransportKind {
    WEBSOCKET("ws"),
    SSE_HTTP2("sse-h2"),
    SSE_HTTP1("sse-h1"),
    POLL("poll");

    private final String label;

    TransportKind(String label) {
        this.label = label;
    }

    /** The metrics label: {@code ws}, {@code sse-h2}, {@code sse-h1} or {@code poll}. */
    public String label() {
        return label;
    }
}
