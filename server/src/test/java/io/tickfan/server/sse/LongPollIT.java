package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.poll.LongPollRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/** The long-polling fallback against a real server: snapshot, resume from a position, wait, rate limit. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LongPollIT {
    static TickfanServer server;
    static String token;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        server = TickfanServer.start(ServerConfig.defaults()
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_ENABLED, false)
                .with(ServerConfig.AUTH_HS256_SECRET, SseIT.SECRET)
                .with(ServerConfig.POLL_RATE, 1)
                .with(ServerConfig.POLL_BURST, 30)
                .with(ServerConfig.HISTORY_TICKS, 2048));
        token = SseIT.token("poller", null);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record PollAnswer(int status, String position, List<Tick> ticks, String retryAfter) {}

    static PollAnswer poll(String query) throws Exception {
        return answer(HTTP.send(request(query), HttpResponse.BodyHandlers.ofString()));
    }

    static HttpRequest request(String query) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/poll?" + query))
                .timeout(java.time.Duration.ofSeconds(20))
                .header("Authorization", "Bearer " + token)
                .build();
    }

    static PollAnswer answer(HttpResponse<String> response) throws IOException, ProtocolException {
        if (response.statusCode() != 200) {
            return new PollAnswer(
                    response.statusCode(),
                    null,
                    List.of(),
                    response.headers().firstValue("retry-after").orElse(null));
        }
        final List<Tick> ticks = new ArrayList<>();
        String position = null;
        final ServerMessageDecoder decoder = new ServerMessageDecoder();
        try (JsonParser p = new JsonFactory().createParser(response.body())) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                final String name = p.currentName();
                p.nextToken();
                if (name.equals("position")) {
                    position = p.getText();
                } else if (name.equals("ticks")) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        final int start = (int) p.currentTokenLocation().getCharOffset();
                        p.skipChildren();
                        final int end = (int) p.currentTokenLocation().getCharOffset() + 1;
                        final byte[] json =
                                response.body().substring(start, end).getBytes(StandardCharsets.UTF_8);
                        ticks.add(new Tick().copyFrom(decoder.decode(json, 0, json.length, new ServerMessage()).tick));
                    }
                }
            }
        }
        return new PollAnswer(200, position, ticks, null);
    }

    @Test
    void shouldAnswerWithSnapshotThenExactlyTheTicksAfterThePosition() throws Exception {
        TestTicks.publish(server, "POLL1", 3);
        final PollAnswer first = poll("symbols=POLL1&waitMs=0");
        assertEquals(200, first.status());
        assertEquals(1, first.ticks().size());
        assertTrue(first.ticks().get(0).isSnapshot());
        assertEquals(3, first.ticks().get(0).seq);

        TestTicks.publish(server, "POLL1", 4);
        final PollAnswer second = poll("symbols=POLL1&waitMs=0&since=" + first.position());
        assertEquals(
                List.of(4L, 5L, 6L, 7L), second.ticks().stream().map(t -> t.seq).toList());
        assertTrue(second.ticks().stream().noneMatch(Tick::isSnapshot));
    }

    @Test
    void shouldContinueATruncatedAnswerWhereItStopped() throws Exception {
        TestTicks.publish(server, "POLL4", 1);
        final PollAnswer first = poll("symbols=POLL4&waitMs=0");
        TestTicks.publish(server, "POLL4", 1500);
        final PollAnswer capped = poll("symbols=POLL4&waitMs=0&since=" + first.position());
        assertEquals(LongPollRequest.MAX_TICKS, capped.ticks().size());
        assertEquals(1001, capped.ticks().get(LongPollRequest.MAX_TICKS - 1).seq);
        final PollAnswer rest = poll("symbols=POLL4&waitMs=0&since=" + capped.position());
        assertEquals(500, rest.ticks().size(), "the ticks the capped answer left out");
        assertEquals(1002, rest.ticks().get(0).seq);
        assertEquals(1501, rest.ticks().get(499).seq);
    }

    @Test
    void shouldWaitForTheNextTickWhenNothingIsNew() throws Exception {
        TestTicks.publish(server, "POLL2", 1);
        final PollAnswer first = poll("symbols=POLL2&waitMs=0");
        final CompletableFuture<HttpResponse<String>> waiting = HTTP.sendAsync(
                request("symbols=POLL2&waitMs=10000&since=" + first.position()), HttpResponse.BodyHandlers.ofString());
        TestTicks.publish(server, "POLL2", 1);
        final PollAnswer next = answer(waiting.get(10, TimeUnit.SECONDS));
        assertEquals(List.of(2L), next.ticks().stream().map(t -> t.seq).toList());
    }

    @Test
    void shouldAnswerEmptyAfterTheWaitWithTheSamePosition() throws Exception {
        TestTicks.publish(server, "POLL3", 1);
        final PollAnswer first = poll("symbols=POLL3&waitMs=0");
        final PollAnswer empty = poll("symbols=POLL3&waitMs=50&since=" + first.position());
        assertEquals(200, empty.status());
        assertEquals(0, empty.ticks().size());
        assertEquals(first.position(), empty.position());
    }

    @Test
    @Order(Integer.MAX_VALUE) // drains this address's bucket, so it runs last
    void shouldRateLimitPollsPerAddressWithRetryAfter() throws Exception {
        PollAnswer limited = null;
        for (int i = 0; i < 60 && limited == null; i++) {
            final PollAnswer a = poll("symbols=POLL4&waitMs=0");
            if (a.status() == 429) {
                limited = a;
            }
        }
        assertTrue(limited != null, "a burst past poll.burst is refused");
        assertTrue(Integer.parseInt(limited.retryAfter()) >= 1);
    }
}
