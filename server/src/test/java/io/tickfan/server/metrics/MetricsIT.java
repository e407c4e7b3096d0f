package io.tickfan.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Scrapes a real server's {@code /metrics}, on {@code metrics.port} and on the main port. */
class MetricsIT {
    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension().with(ServerConfig.METRICS_PORT, 0);

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private static HttpResponse<String> get(int port, String accept, String token) throws Exception {
        final HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(20));
        if (accept != null) {
            b.header("Accept", accept);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private static double value(String body, String series) {
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$")
                .matcher(body);
        assertTrue(m.find(), "no series " + series + " in:\n" + body);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void shouldExposeCountersThatMoveWithTraffic() throws Exception {
        final int port = server.server().metricsPort();
        final HttpResponse<String> before = get(port, null, null);
        assertEquals(200, before.statusCode());
        assertTrue(before.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        final double sequencedBefore = value(before.body(), "tickfan_ticks_sequenced_total");
        final double deliveredBefore = value(before.body(), "tickfan_deliveries_total");
        assertTrue(before.body().contains("# HELP tickfan_ticks_sequenced_total ticks sequenced and encoded"));
        assertTrue(before.body().contains("jvm_memory_used_bytes"), "JVM metrics are registered");
        assertTrue(before.body().contains("tickfan_netty_allocator_used_bytes{memory=\"direct\"}"));
        assertEquals(1.0, value(before.body(), "tickfan_ready"));

        try (TestClient client = server.connect(TestTokens.valid())) {
            client.subscribeAndAwaitAck("MET.A");
            for (int i = 1; i <= 20; i++) {
                server.publish(Ticks.numbered("MET.A", i));
            }
            client.awaitSeq("MET.A", 20);
            final String during = get(port, null, null).body();
            assertTrue(value(during, "tickfan_ticks_sequenced_total") >= sequencedBefore + 20, during);
            assertTrue(value(during, "tickfan_deliveries_total") >= deliveredBefore + 20, during);
            assertTrue(value(during, "tickfan_connections") >= 1, during);
            assertTrue(value(during, "tickfan_sessions") >= 1, during);
            assertTrue(value(during, "tickfan_symbols{kind=\"published\"}") >= 1, during);
            assertEquals(1.0, value(during, "tickfan_sessions_by_transport{transport=\"ws\"}"), during);
            assertEquals(0.0, value(during, "tickfan_sessions_by_transport{transport=\"sse-h2\"}"), during);
            assertEquals(1.0, value(during, "tickfan_subscriptions{transport=\"ws\"}"), during);
            assertTrue(value(during, "tickfan_ticks_written_total{transport=\"ws\"}") >= 20, during);
            final double batches = value(during, "tickfan_tick_batches_written_total{transport=\"ws\"}");
            assertTrue(
                    batches >= 1 && batches <= value(during, "tickfan_ticks_written_total{transport=\"ws\"}"), during);
            // Each of those ticks is a WebSocket frame of more than 60 bytes.
            assertTrue(value(during, "tickfan_tick_bytes_written_total{transport=\"ws\"}") >= 20 * 60, during);
            assertTrue(value(during, "tickfan_sessions_opened_total{transport=\"ws\"}") >= 1, during);
            assertTrue(value(during, "tickfan_outbound_pending_bytes") >= 0, during);
            assertTrue(during.contains("tickfan_loop_queue_depth{loop=\"0\"}"), during);
            assertTrue(value(during, "tickfan_tick_latency_seconds_count") >= 1, "a tick was sampled:\n" + during);
            assertTrue(value(during, "tickfan_tick_latency_seconds_bucket{le=\"+Inf\"}") >= 1, during);
            assertTrue(value(during, "tickfan_tick_latency_seconds_sum") > 0, during);
            assertTrue(
                    value(during, "tickfan_upgrade_duration_seconds_count{outcome=\"ok\"}") >= 1,
                    "the upgrade was timed:\n" + during);
        }
    }

    @Test
    void shouldAnswerOpenMetricsWhenAsked() throws Exception {
        final HttpResponse<String> r =
                get(server.server().metricsPort(), "application/openmetrics-text; version=1.0.0", null);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics-text"));
        assertTrue(r.body().endsWith("# EOF\n"), "OpenMetrics ends with # EOF");
    }

    @Test
    void shouldServeMainPortMetricsToAdminTokensOnly() throws Exception {
        assertEquals(401, get(server.port(), null, null).statusCode());
        assertEquals(403, get(server.port(), null, TestTokens.valid()).statusCode());
        final HttpResponse<String> ok = get(server.port(), null, TestTokens.admin());
        assertEquals(200, ok.statusCode());
        assertTrue(ok.body().contains("tickfan_ticks_sequenced_total"));
        assertFalse(ok.body().contains(TestTokens.SECRET), "no secret in any series");
    }

    @Test
    void shouldCountRefusedUpgradesByStatusAndReason() throws Exception {
        final String series = "tickfan_upgrades_refused_total{reason=\"token expired\",status=\"401\"}";
        final String timed = "tickfan_upgrade_duration_seconds_count{outcome=\"refused\"}";
        final String before = get(server.server().metricsPort(), null, null).body();
        final double was = before.contains(series) ? value(before, series) : 0;
        final double timedBefore = value(before, timed);
        for (int i = 0; i < 5; i++) {
            final HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/sse?symbols=A"))
                            .header("Authorization", "Bearer " + TestTokens.expired())
                            .timeout(Duration.ofSeconds(20))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, r.statusCode());
        }
        final String after = get(server.server().metricsPort(), null, null).body();
        assertEquals(was + 5, value(after, series), after);
        assertEquals(timedBefore + 5, value(after, timed), after);
        assertFalse(after.contains(TestTokens.expired().substring(0, 20)), "no token in a label");
    }
}
