package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.client.Backoff;
import io.tickfan.client.ClientListener;
import io.tickfan.client.ClientOptions;
import io.tickfan.client.ClientTransport;
import io.tickfan.client.TickfanClient;
import io.tickfan.protocol.CloseCodes;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code POST /admin/disconnect} sends every client away with its own moment in the drain window
 * ({@code retry_ms}). Subscribers wait for it; a feed handler built with {@code
 * withRestartSpread(false)} comes back on its backoff alone, so the ticks of everyone else do not
 * wait for it (the storm drill's publisher is such a client).
 */
@Timeout(60)
class RestartSpreadIT {
    private static final String SECRET = "restart-spread-it-secret";
    private static final long WINDOW_MS = 4000;

    private TickfanServer server;

    @BeforeEach
    void start() throws Exception {
        server = TickfanServer.start(ServerConfig.defaults()
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_ENABLED, false)
                .with(ServerConfig.DRAIN_WINDOW_MS, WINDOW_MS)
                .with(ServerConfig.AUTH_HS256_SECRET, SECRET));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** Each client's reconnect delay as scheduled after the drop, and its resubscribe acks. */
    private static final class Recorder implements ClientListener {
        final Map<TickfanClient, long[]> scheduled = new ConcurrentHashMap<>();
        final Map<TickfanClient, Integer> closeCodes = new ConcurrentHashMap<>();
        final AtomicInteger acks = new AtomicInteger();

        @Override
        public void onClosed(TickfanClient client, int closeCode, String reason) {
            closeCodes.put(client, closeCode);
        }

        @Override
        public void onReconnectScheduled(TickfanClient client, long delayMs, boolean retryAfterHonoured) {
            scheduled.put(client, new long[] {delayMs, retryAfterHonoured ? 1 : 0});
        }

        @Override
        public void onAck(TickfanClient client, ServerMessage ack, boolean epochChanged) {
            if ("subscribe".equals(ack.op)) {
                acks.incrementAndGet();
            }
        }
    }

    @Test
    void shouldLetAFeedConnectionComeBackOnItsBackoffWhileSubscribersWaitForTheirMoment() throws Exception {
        final String token = Tokens.mint(SECRET, "spread", false, Duration.ofMinutes(10));
        final URI url = URI.create("ws://127.0.0.1:" + server.port() + "/ws");
        final Backoff quick = Backoff.exponential(50, 200, 2, 0);
        final int each = 12;
        final Recorder rec = new Recorder();
        final List<TickfanClient> feeds = new ArrayList<>();
        final List<TickfanClient> subscribers = new ArrayList<>();
        try (ClientTransport transport = ClientTransport.create(1, true)) {
            for (int i = 0; i < 2 * each; i++) {
                final ClientOptions options = ClientOptions.of(url, token).withBackoff(quick);
                final boolean feed = i < each;
                final TickfanClient c =
                        new TickfanClient(transport, feed ? options.withRestartSpread(false) : options, rec);
                (feed ? feeds : subscribers).add(c);
                c.subscribe(List.of("AAA"));
                c.connect();
            }
            awaitTrue(() -> rec.acks.get() == 2 * each, "all subscribed");

            final HttpResponse<String> answer = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(
                                            URI.create("http://127.0.0.1:" + server.port() + "/admin/disconnect"))
                                    .header(
                                            "Authorization",
                                            "Bearer " + Tokens.mintAdmin(SECRET, Duration.ofMinutes(10)))
                                    .POST(HttpRequest.BodyPublishers.noBody())
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            awaitTrue(() -> rec.scheduled.size() == 2 * each, "every client scheduled its reconnect");

            for (TickfanClient c : feeds) {
                assertEquals(CloseCodes.SERVICE_RESTART, rec.closeCodes.get(c));
                final long[] s = rec.scheduled.get(c);
                assertEquals(0, s[1], "the feed did not wait for retry_ms");
                assertTrue(s[0] <= 200, "the feed comes back on its backoff: " + s[0] + " ms");
            }
            // The subscribers' moments are drawn over the window: with twelve of them, some are
            // beyond the longest backoff (all twelve within 200 ms of 4 s: about 1e-14).
            long latest = 0;
            for (TickfanClient c : subscribers) {
                assertEquals(CloseCodes.SERVICE_RESTART, rec.closeCodes.get(c));
                final long[] s = rec.scheduled.get(c);
                assertEquals(1, s[1], "a subscriber waits for its moment");
                assertTrue(s[0] <= WINDOW_MS, s[0] + " ms");
                latest = Math.max(latest, s[0]);
            }
            assertTrue(latest > 200, "subscribers spread over the window: latest " + latest + " ms");

            awaitTrue(() -> rec.acks.get() == 4 * each, "all resubscribed");
            for (TickfanClient c : feeds) {
                c.close().await(5, TimeUnit.SECONDS);
            }
            for (TickfanClient c : subscribers) {
                c.close().await(5, TimeUnit.SECONDS);
            }
        }
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition, String what) {
        assertTrue(Fleet.await(condition, TimeUnit.SECONDS.toMillis(30), null), "timed out: " + what);
    }
}
