package io.tickfan.server.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.http.EmbeddedHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metrics port's pipeline on an embedded channel: GET /metrics answers, nothing else does. */
class ScrapeHandlerTest {
    private final EmbeddedHttp http = new EmbeddedHttp(c -> c);

    {
        MetricsServer.initPipeline(http.channel.pipeline(), new TickfanMetrics(http.context, null));
    }

    @AfterEach
    void close() {
        http.close();
    }

    @Test
    void shouldAnswerAScrapeAndKeepTheConnection() {
        http.send(EmbeddedHttp.get("/metrics"));
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
        assertTrue(answer.contains("tickfan_ticks_ingested_total"), answer);
        assertTrue(http.channel.isActive());
    }

    @Test
    void shouldAnswer404ElsewhereOrForAnotherMethod() {
        http.send(EmbeddedHttp.get("/health"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 404"));
        http.send(EmbeddedHttp.request("POST", "/metrics"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 404"));
    }

    @Test
    void shouldCloseAfterAnswerWhenTheScraperDoesNotKeepAlive() {
        http.send(EmbeddedHttp.get("/metrics", "Connection: close"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 200"));
        assertFalse(http.channel.isActive());
    }

    @Test
    void shouldServeTheMainPortsMetricsToAnAdmin() {
        final EmbeddedHttp main = new EmbeddedHttp(c -> c).connectionPipeline();
        try {
            main.context.setMetrics(new TickfanMetrics(main.context, null));
            main.send(EmbeddedHttp.get("/metrics", "Authorization: Bearer " + EmbeddedHttp.adminToken()));
            final String answer = main.written();
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer);
            assertTrue(answer.contains("tickfan_sessions"), answer);
        } finally {
            main.close();
        }
    }
}
