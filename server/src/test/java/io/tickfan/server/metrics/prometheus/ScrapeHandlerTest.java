package io.tickfan.server.metrics.prometheus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.http.EmbeddedHttp;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The metrics port's pipeline, set up by its channel initializer on an embedded channel: GET /metrics answers, nothing else does; a
 * malformed request, an idle scraper and a reset close the connection quietly.
 */
class ScrapeHandlerTest {
    private final EmbeddedHttp http = new EmbeddedHttp(c -> c);

    {
        // Through the initializer the listener uses for every accepted connection.
        http.channel.pipeline().addLast(MetricsServer.initializer(new TickfanMetrics(http.context, null)));
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
    void shouldAnswer404AndCloseAMalformedRequest() {
        http.send("GET /metrics HTTP/1.1\r\nX-Long: " + "x".repeat(9_000) + "\r\n\r\n");
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 404"), answer);
        assertFalse(answer.contains("tickfan_"), "no metrics for a request that did not parse");
        assertFalse(http.channel.isActive(), "a connection whose request did not parse is not kept");
    }

    @Test
    void shouldCloseAnIdleScraperAfterTheReadTimeoutWithoutAnAnswer() {
        http.send(EmbeddedHttp.get("/metrics"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 200"));
        http.channel.advanceTimeBy(29, TimeUnit.SECONDS);
        http.channel.runScheduledPendingTasks();
        assertTrue(http.channel.isActive(), "idle for less than 30 s");
        http.channel.advanceTimeBy(1, TimeUnit.SECONDS);
        http.channel.runScheduledPendingTasks();
        assertFalse(http.channel.isActive(), "idle for 30 s");
        assertEquals("", http.written());
        http.channel.checkException(); // the timeout stops at the handler: nothing reaches the pipeline's tail
    }

    @Test
    void shouldCloseOnAnExceptionWithoutPassingItOn() {
        http.channel.pipeline().fireExceptionCaught(new IOException("connection reset by peer"));
        assertFalse(http.channel.isActive());
        http.channel.checkException();
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
