package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SSE on every transport of the one port (HTTP/1.1, h2 over TLS with ALPN, h2c with prior
 * knowledge), auth before the stream opens, resume with Last-Event-ID, multiplexing and a stalled
 * stream, against a real server with real HTTP clients.
 */
class SseIT {
    static final String SECRET = "sse-it-secret-0123456789-0123456789";
    static final long WAIT_MS = TestTicks.WAIT_MS;
    static final AtomicInteger SYMBOLS = new AtomicInteger();

    static TickfanServer server;
    static String token;

    @BeforeAll
    static void start() throws Exception {
        // The development certificate names "localhost" without a subject alternative name.
        System.setProperty("jdk.internal.httpclient.disableHostnameVerification", "true");
        server = TickfanServer.start(ServerConfig.defaults()
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_ENABLED, false)
                .with(ServerConfig.AUTH_HS256_SECRET, SECRET)
                .with(ServerConfig.TLS_SELF_SIGNED, true)
                .with(ServerConfig.HISTORY_TICKS, 50)
                .with(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS, 1000));
        token = token("sse-user", null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String token(String subject, String[] symbols) {
        var builder =
                JWT.create().withSubject(subject).withExpiresAt(Instant.now().plusSeconds(600));
        if (symbols != null) {
            builder = builder.withArrayClaim("sym", symbols);
        }
        return builder.sign(Algorithm.HMAC256(SECRET.getBytes(StandardCharsets.UTF_8)));
    }

    static String freshSymbol() {
        return "SSE" + SYMBOLS.incrementAndGet();
    }

    static void publish(String symbol, int count) throws InterruptedException {
        TestTicks.publish(server, symbol, count);
    }

    static void publishNoWait(String symbol, int count) {
        TestTicks.publishNoWait(server, symbol, count);
    }

    // ---- transports ----------------------------------------------------------------------------

    @Test
    void shouldStreamSnapshotThenLiveTicksOverHttp11() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 5);
        try (JdkSseStream stream =
                JdkSseStream.open(jdkClient(HttpClient.Version.HTTP_1_1, null), uri("http", symbol), token)) {
            assertEquals(200, stream.status);
            assertEquals(HttpClient.Version.HTTP_1_1, stream.version);
            final Tick snapshot = stream.nextTick(WAIT_MS);
            assertTrue(snapshot.isSnapshot());
            assertEquals(5, snapshot.seq);
            publish(symbol, 10);
            for (long seq = 6; seq <= 15; seq++) {
                final Tick live = stream.nextTick(WAIT_MS);
                assertEquals(seq, live.seq);
                assertFalse(live.isSnapshot());
            }
        }
    }

    @Test
    void shouldStreamOverHttp2WithTlsAndAlpn() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 3);
        try (JdkSseStream stream =
                JdkSseStream.open(jdkClient(HttpClient.Version.HTTP_2, trustAll()), uri("https", symbol), token)) {
            assertEquals(200, stream.status);
            assertEquals(HttpClient.Version.HTTP_2, stream.version);
            assertEquals(3, stream.nextTick(WAIT_MS).seq);
            publish(symbol, 5);
            for (long seq = 4; seq <= 8; seq++) {
                assertEquals(seq, stream.nextTick(WAIT_MS).seq);
            }
        }
    }

    @Test
    void shouldStreamOverH2cWithPriorKnowledge() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 2);
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream stream = client.get("/sse?symbols=" + symbol, token, true);
            final SseEvent snapshot = stream.nextTick(WAIT_MS);
            assertNotNull(snapshot);
            assertEquals(200, stream.status);
            assertEquals(2, snapshot.tick().seq);
            publish(symbol, 3);
            for (long seq = 3; seq <= 5; seq++) {
                assertEquals(seq, stream.nextTick(WAIT_MS).tick().seq);
            }
        }
    }

    @Test
    void shouldStreamToCurlOverH2cPriorKnowledgeAndOverTlsWithAlpn() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 1);
        for (String mode : List.of("--http2-prior-knowledge", "--http2")) {
            final String scheme = mode.equals("--http2") ? "https" : "http";
            final Process curl = new ProcessBuilder(
                            "curl",
                            "-sk",
                            "-N",
                            "-i",
                            mode,
                            "--max-time",
                            "2",
                            "-H",
                            "Authorization: Bearer " + token,
                            uri(scheme, symbol).toString())
                    .redirectErrorStream(true)
                    .start();
            final String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            curl.waitFor(5, TimeUnit.SECONDS);
            assertTrue(out.startsWith("HTTP/2 200"), mode + ": " + out);
            assertTrue(out.contains("event: tick\ndata: {\"type\":\"tick\",\"sym\":\"" + symbol + "\",\"seq\":1"), out);
        }
    }

    @Test
    void shouldKeepWebSocketOffHttp2AndPlainHttpWorkingOnTheSamePort() throws Exception {
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream ws = client.get("/ws", token, true);
            awaitTrue(() -> ws.status != 0);
            assertEquals(400, ws.status);
        }
        final HttpResponse<String> health = jdkClient(HttpClient.Version.HTTP_1_1, null)
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertEquals(200, health.statusCode());
    }

    // ---- auth and bad requests, before the stream opens ----------------------------------------

    @Test
    void shouldRefuseMissingTokenWith401BeforeTheStreamOpens() throws Exception {
        final HttpResponse<String> h1 = jdkClient(HttpClient.Version.HTTP_1_1, null)
                .send(HttpRequest.newBuilder(uri("http", "AAPL")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, h1.statusCode());
        assertTrue(h1.body().contains("\"reason\":\"missing token\""), h1.body());
        assertFalse(h1.headers().firstValue("content-type").orElse("").contains("event-stream"));
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream stream = client.get("/sse?symbols=AAPL", "not-a-jwt", true);
            awaitTrue(() -> stream.ended);
            assertEquals(401, stream.status);
            synchronized (stream.body) {
                assertTrue(stream.body.toString().contains("malformed token"), stream.body.toString());
            }
        }
    }

    @Test
    void shouldRefuseSymbolsOutsideEntitlementsWith403AndBadSymbolsWith400() throws Exception {
        final HttpClient client = jdkClient(HttpClient.Version.HTTP_1_1, null);
        final String limited = token("limited", new String[] {"FX.*"});
        final HttpResponse<String> forbidden = client.send(
                HttpRequest.newBuilder(uri("http", "AAPL"))
                        .header("Authorization", "Bearer " + limited)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(403, forbidden.statusCode());
        final HttpResponse<String> bad = client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/sse?symbols=bad%20sym"))
                        .header("Authorization", "Bearer " + token)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("invalid symbol"), bad.body());
    }

    // ---- resume --------------------------------------------------------------------------------

    @Test
    void shouldReplayExactlyTheMissedTicksOnResumeWithLastEventId() throws Exception {
        final String symbol = freshSymbol();
        final String other = freshSymbol();
        publish(symbol, 3);
        publish(other, 1);
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream first = client.get("/sse?symbols=" + symbol + "," + other, token, true);
            assertEquals(3, first.nextTick(WAIT_MS).tick().seq);
            assertEquals(1, first.nextTick(WAIT_MS).tick().seq);
            publish(symbol, 2);
            assertEquals(4, first.nextTick(WAIT_MS).tick().seq);
            assertEquals(5, first.nextTick(WAIT_MS).tick().seq);
            final String lastEventId = first.parser.lastEventId();
            assertNotNull(lastEventId);
            first.channel.close().sync();

            publish(symbol, 7);
            publish(other, 2);

            final H2TestClient.Stream resumed =
                    client.get("/sse?symbols=" + symbol + "," + other, token, true, lastEventId);
            final List<Long> symbolSeqs = new ArrayList<>();
            final List<Long> otherSeqs = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                final Tick t = resumed.nextTick(WAIT_MS).tick();
                assertFalse(t.isSnapshot() || t.isReset(), "a replayed tick is neither snapshot nor reset");
                (t.symbol.equals(symbol) ? symbolSeqs : otherSeqs).add(t.seq);
            }
            assertEquals(List.of(6L, 7L, 8L, 9L, 10L, 11L, 12L), symbolSeqs);
            assertEquals(List.of(2L, 3L), otherSeqs);
            publish(symbol, 1);
            final SseEvent live = resumed.nextTick(WAIT_MS);
            assertEquals(13, live.tick().seq, "no duplicate and no gap after the replay");
        }
    }

    @Test
    void shouldSendResetWhenTheGapIsOlderThanHistory() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 1);
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream first = client.get("/sse?symbols=" + symbol, token, true);
            assertEquals(1, first.nextTick(WAIT_MS).tick().seq);
            final String lastEventId = first.parser.lastEventId();
            first.channel.close().sync();
            publish(symbol, 120); // history keeps 50

            final H2TestClient.Stream resumed = client.get("/sse?symbols=" + symbol, token, true, lastEventId);
            final Tick t = resumed.nextTick(WAIT_MS).tick();
            assertTrue(t.isReset(), "explicit reset, not a silent partial replay");
            assertTrue(t.isSnapshot());
            assertEquals(121, t.seq);
        }
    }

    @Test
    void shouldSendResetForALastEventIdFromAnotherEpoch() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 4);
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream stream = client.get("/sse?symbols=" + symbol, token, true, "otherepoch-3");
            final Tick t = stream.nextTick(WAIT_MS).tick();
            assertTrue(t.isReset());
            assertEquals(4, t.seq);
        }
    }

    // ---- multiplexing and slow streams ---------------------------------------------------------

    @Test
    void shouldServeHundredStreamsOnOneHttp2Connection() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 1);
        try (H2TestClient client = new H2TestClient(server.port())) {
            final List<H2TestClient.Stream> streams = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                streams.add(client.get("/sse?symbols=" + symbol, token, true));
            }
            for (H2TestClient.Stream s : streams) {
                assertEquals(1, s.nextTick(WAIT_MS).tick().seq);
            }
            publish(symbol, 20);
            for (H2TestClient.Stream s : streams) {
                for (long seq = 2; seq <= 21; seq++) {
                    final SseEvent e = s.nextTick(WAIT_MS);
                    assertNotNull(e, "stream missed seq " + seq);
                    assertEquals(seq, e.tick().seq);
                }
            }
            assertTrue(client.isOpen());
        }
    }

    @Test
    void shouldNotDelayOtherStreamsWhenOneStreamStallsAndCloseTheStalledOne() throws Exception {
        final String symbol = freshSymbol();
        final long closesBefore = server.engine().counters().get(Counters.Counter.SLOW_CONSUMER_CLOSES);
        try (H2TestClient client = new H2TestClient(server.port())) {
            final H2TestClient.Stream stalled = client.get("/sse?symbols=" + symbol, token, false);
            final H2TestClient.Stream healthy = client.get("/sse?symbols=" + symbol, token, true);
            final SseEvent firstId = healthy.nextEvent(WAIT_MS);
            assertNotNull(firstId, "the healthy stream is open");
            // 5,000 ticks of ~215 bytes, 100 at a time as a healthy reader takes them: far past the
            // stalled stream's 256 KiB window, never past the healthy one's.
            long seq = 0;
            for (int chunk = 0; chunk < 50; chunk++) {
                publishNoWait(symbol, 100);
                for (int i = 0; i < 100; i++) {
                    final SseEvent e = healthy.nextTick(WAIT_MS);
                    assertNotNull(e, "healthy stream stalled after seq " + seq);
                    final Tick t = e.tick();
                    assertEquals(++seq, t.seq);
                    assertFalse(t.isConflated());
                }
            }
            awaitTrue(() -> server.engine().counters().get(Counters.Counter.SLOW_CONSUMER_CLOSES) > closesBefore);
            // The reset is seen once the stalled stream reads again; what it got is a gap-free prefix.
            stalled.channel.eventLoop().submit(stalled::resumeReading).sync();
            awaitTrue(() -> stalled.ended);
            long expected = 0;
            SseEvent e;
            while ((e = stalled.nextTick(0)) != null) {
                assertEquals(++expected, e.tick().seq);
            }
            assertTrue(expected < 5000, "the stalled stream was cut off, not fed everything: " + expected);
            assertTrue(client.isOpen(), "only the stalled stream is closed, not the connection");
        }
    }

    // ---- helpers -------------------------------------------------------------------------------

    static URI uri(String scheme, String symbols) {
        return URI.create(scheme + "://localhost:" + server.port() + "/sse?symbols=" + symbols);
    }

    static HttpClient jdkClient(HttpClient.Version version, SSLContext ssl) {
        final HttpClient.Builder b = HttpClient.newBuilder().version(version).connectTimeout(Duration.ofSeconds(5));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        return b.build();
    }

    /** Trusts the server's self-signed development certificate; tests only. */
    static SSLContext trustAll() throws Exception {
        final SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(
                null,
                new TrustManager[] {
                    new X509TrustManager() {
                        @Override
                        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                        @Override
                        public X509Certificate[] getAcceptedIssuers() {
                            return new X509Certificate[0];
                        }
                    }
                },
                null);
        return ssl;
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        TestTicks.await(condition);
    }

    /** An SSE stream read with the JDK's HttpClient (HTTP/1.1 or HTTP/2 over TLS). */
    static final class JdkSseStream implements AutoCloseable {
        final int status;
        final HttpClient.Version version;
        final BlockingQueue<SseEvent> events = new LinkedBlockingQueue<>();
        private final InputStream body;
        private final Thread reader;

        private JdkSseStream(HttpResponse<InputStream> response) {
            this.status = response.statusCode();
            this.version = response.version();
            this.body = response.body();
            final SseParser parser = new SseParser(events::add);
            this.reader = new Thread(
                    () -> {
                        try (BufferedReader in =
                                new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = in.readLine()) != null) {
                                parser.line(line);
                            }
                        } catch (java.io.IOException e) {
                            // closed by the test
                        }
                    },
                    "sse-test-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static JdkSseStream open(HttpClient client, URI uri, String token) throws Exception {
            final HttpRequest request = HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + token)
                    .header("Accept", "text/event-stream")
                    .build();
            return new JdkSseStream(client.send(request, HttpResponse.BodyHandlers.ofInputStream()));
        }

        Tick nextTick(long timeoutMs) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
            while (true) {
                final SseEvent e = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (e == null) {
                    throw new AssertionError("no tick within " + timeoutMs + " ms");
                }
                if (e.isTick()) {
                    return e.tick();
                }
            }
        }

        @Override
        public void close() throws java.io.IOException {
            body.close();
        }
    }
}
