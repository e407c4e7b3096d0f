package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.auth0.jwt.JWT;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SSE streams (HTTP/1.1 and h2c) and long polls are sessions like WebSocket connections: a drain or
 * an admin disconnect ends them with a jittered reconnect hint, and a stream ends at its token's
 * {@code exp} plus the grace period. Real server, real HTTP/1.1 sockets and a real HTTP/2 client.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SseLifecycleIT {
    private static final long WINDOW_MS = 10_000;

    private static TickfanServer start(long graceMs) throws Exception {
        return TickfanServerExtension.start(c -> c.with(ServerConfig.DRAIN_WINDOW_MS, WINDOW_MS)
                .with(ServerConfig.AUTH_EXPIRY_GRACE_MS, graceMs)
                .with(ServerConfig.POLL_MAX_WAIT_MS, 60_000));
    }

    @Test
    void shouldEndSseStreamsAndAnswerPollsWithAJitteredRetryOnAdminDisconnect() throws Exception {
        try (TickfanServer server = start(5000);
                H2TestClient h2 = new H2TestClient(server.port());
                RawHttp h1Sse = RawHttp.get(server.port(), "/sse?symbols=LC.A", TestTokens.valid());
                RawHttp h1Poll = RawHttp.get(server.port(), "/poll?symbols=LC.A&waitMs=60000", TestTokens.valid())) {
            final H2TestClient.Stream h2Sse = h2.get("/sse?symbols=LC.A", TestTokens.valid(), true);
            TestTicks.await(() -> server.context().sessions.size() == 3);

            final long startNs = System.nanoTime();
            final HttpResponse<String> answer = admin(server, "disconnect");
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("\"sessions\":3"), answer.body());

            final SseParser h1Events = h1Sse.awaitEndAsSse();
            assertEquals(2, h1Events.retries.size(), "the opening hint, then the disconnect's: " + h1Events.retries);
            assertJittered(h1Events.retries.get(1));
            TestTicks.await(() -> h2Sse.ended);
            assertEquals(2, h2Sse.parser.retries.size(), h2Sse.parser.retries.toString());
            assertJittered(h2Sse.parser.retries.get(1));
            assertTrue(h2.isOpen(), "only the stream ends, not the HTTP/2 connection");

            final String poll = h1Poll.awaitEnd();
            assertTrue(poll.startsWith("HTTP/1.1 200"), poll);
            final int at = poll.indexOf("\"retryMs\":");
            assertTrue(at > 0 && poll.endsWith("}"), poll);
            assertJittered(Long.parseLong(poll.substring(at + 10, poll.length() - 1)));
            assertTrue(
                    System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(30),
                    "the poll was answered by the disconnect, not by its 60 s wait");
            TestTicks.await(() -> server.context().sessions.size() == 0);
        }
    }

    @Test
    void shouldEndSseStreamsOnDrainWithRetryWithinTheWindow() throws Exception {
        try (TickfanServer server = start(5000);
                H2TestClient h2 = new H2TestClient(server.port());
                RawHttp h1Sse = RawHttp.get(server.port(), "/sse?symbols=LC.B", TestTokens.valid())) {
            final H2TestClient.Stream h2Sse = h2.get("/sse?symbols=LC.B", TestTokens.valid(), true);
            TestTicks.await(() -> server.context().sessions.size() == 2);

            final HttpResponse<String> answer = admin(server, "drain");
            assertEquals(200, answer.statusCode(), answer.body());
            assertTrue(answer.body().contains("\"sessions\":2"), answer.body());

            final SseParser h1Events = h1Sse.awaitEndAsSse();
            assertEquals(2, h1Events.retries.size(), h1Events.retries.toString());
            assertJittered(h1Events.retries.get(1));
            TestTicks.await(() -> h2Sse.ended);
            assertEquals(2, h2Sse.parser.retries.size(), h2Sse.parser.retries.toString());
            assertJittered(h2Sse.parser.retries.get(1));
        }
    }

    /** Admission judges connections; an HTTP/2 connection opened before a drain must not take new streams. */
    @Test
    void shouldRefuseNewStreamsOnAnOpenHttp2ConnectionWhileDraining() throws Exception {
        try (TickfanServer server = start(5000);
                H2TestClient h2 = new H2TestClient(server.port())) {
            final H2TestClient.Stream before = h2.get("/sse?symbols=LC.D", TestTokens.valid(), true);
            TestTicks.await(() -> before.status == 200);

            assertEquals(200, admin(server, "drain").statusCode());
            TestTicks.await(() -> before.ended);

            final H2TestClient.Stream sse = h2.get("/sse?symbols=LC.D", TestTokens.valid(), true);
            final H2TestClient.Stream poll = h2.get("/poll?symbols=LC.D&waitMs=100", TestTokens.valid(), true);
            TestTicks.await(() -> sse.ended && poll.ended);
            assertEquals(503, sse.status, sse.body.toString());
            assertEquals(503, poll.status, poll.body.toString());
            assertEquals(0, server.context().sessions.size());
        }
    }

    @Test
    void shouldEndSseStreamsAtTokenExpiryPlusGraceWithATokenExpiredError() throws Exception {
        final long graceMs = 500;
        try (TickfanServer server = start(graceMs);
                H2TestClient h2 = new H2TestClient(server.port())) {
            final String shortLived =
                    TestTokens.builder().expiresAt(Instant.now().plusSeconds(3)).hs256();
            final long endsAtMs = JWT.decode(shortLived).getExpiresAt().getTime() + graceMs;
            final H2TestClient.Stream h2Sse = h2.get("/sse?symbols=LC.C", shortLived, true);
            final H2TestClient.Stream longLived = h2.get("/sse?symbols=LC.C", TestTokens.valid(), true);
            try (RawHttp h1Sse = RawHttp.get(server.port(), "/sse?symbols=LC.C", shortLived)) {
                final SseParser h1Events = h1Sse.awaitEndAsSse();
                assertTrue(System.currentTimeMillis() >= endsAtMs, "not before exp + grace");
                assertTokenExpired(h1Events.lastEvent);
            }
            TestTicks.await(() -> h2Sse.ended);
            assertTokenExpired(h2Sse.parser.lastEvent);
            assertTrue(h2.isOpen() && !longLived.ended, "a stream with a valid token goes on");
        }
    }

    private static void assertTokenExpired(SseEvent last) {
        assertNotNull(last, "an event before the end");
        assertEquals("error", last.event(), last.toString());
        assertTrue(last.data().contains("\"code\":\"token_expired\""), last.data());
    }

    private static void assertJittered(long retryMs) {
        assertTrue(retryMs >= 0 && retryMs < WINDOW_MS, "retry within [0, drain.windowMs): " + retryMs);
    }

    private static HttpResponse<String> admin(TickfanServer server, String action) throws Exception {
        final String token = TestTokens.admin();
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/admin/" + action))
                                .header("Authorization", "Bearer " + token)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    /** One HTTP/1.1 GET on a plain socket, read to the end of the connection by a thread of its own. */
    private static final class RawHttp implements AutoCloseable {
        private final Socket socket;
        private final StringBuilder received = new StringBuilder();
        private final Thread reader;
        private volatile boolean ended;

        private RawHttp(Socket socket) {
            this.socket = socket;
            this.reader = new Thread(this::read, "raw-http-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static RawHttp get(int port, String pathAndQuery, String token) throws IOException {
            final Socket socket = new Socket("127.0.0.1", port);
            final OutputStream out = socket.getOutputStream();
            out.write(("GET " + pathAndQuery + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                            + "\r\nAccept: text/event-stream\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new RawHttp(socket);
        }

        private void read() {
            final byte[] buf = new byte[4096];
            try (InputStream in = socket.getInputStream()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    synchronized (received) {
                        received.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException e) {
                // closed by the test
            }
            ended = true;
        }

        /** Everything the server sent, once it closed the connection. */
        String awaitEnd() throws InterruptedException {
            TestTicks.await(() -> ended);
            synchronized (received) {
                return received.toString();
            }
        }

        /** The body after the response head, parsed as an event stream, once the connection closed. */
        SseParser awaitEndAsSse() throws InterruptedException {
            final String all = awaitEnd();
            assertTrue(all.startsWith("HTTP/1.1 200"), all);
            final SseParser parser = new SseParser(e -> {});
            parser.feed(all.substring(all.indexOf("\r\n\r\n") + 4));
            return parser;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
