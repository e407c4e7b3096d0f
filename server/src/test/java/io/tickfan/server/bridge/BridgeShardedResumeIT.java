package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.SymbolTable;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SSE and poll resume across pods with several shards. Each shard's stream numbers its own
 * positions, and pods read the shards independently, so the order of two shards' ticks differs
 * from pod to pod (a reader a few ms behind; in a Redis Cluster, masters with other clocks). The
 * test makes that order explicit by appending entries with chosen ids: shard 1's entry ids run
 * ahead of shard 0's, as a master with a fast clock would make them. A single "largest position"
 * id then skips shard 0's later ticks; the per-shard vector must not.
 */
class BridgeShardedResumeIT {
    private static final int SHARDS = 3;
    private static final Pattern SEQ = Pattern.compile("\"seq\":(\\d+)");
    private static final Pattern POSITION = Pattern.compile("\"position\":\"([^\"]+)\"");

    private static RedisServer redis;
    private static TickfanServer podB;
    private static TickfanServer podC;
    private static RedisClient direct;
    private static HttpClient http;

    @BeforeAll
    static void startPods() throws Exception {
        redis = RedisServer.start(false);
        podB = Pods.start(redis, c -> c.with(ServerConfig.REDIS_SHARDS, SHARDS));
        podC = Pods.start(redis, c -> c.with(ServerConfig.REDIS_SHARDS, SHARDS));
        direct = RedisClient.create(redis.uri());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    }

    @AfterAll
    static void stopPods() throws Exception {
        for (TickfanServer pod : new TickfanServer[] {podB, podC}) {
            if (pod != null) {
                pod.close();
            }
        }
        if (direct != null) {
            direct.shutdown();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** A symbol of {@code shard}, named after {@code prefix}. */
    private static String symbolOf(String prefix, int shard) {
        for (int i = 0; ; i++) {
            final String s = prefix + i;
            if (SymbolTable.shardOf(s, SHARDS) == shard) {
                return s;
            }
        }
    }

    @Test
    void shouldResumeAnSseStreamOnAnotherPodWithEveryShardsTickAfterItsOwnPosition() throws Exception {
        final String s0 = symbolOf("VEC.A", 0);
        final String s1 = symbolOf("VEC.B", 1);
        try (StatefulRedisConnection<String, String> r = direct.connect();
                TestClient watchC = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
            final Streams streams = Streams.seed(r, s0, s1);
            watchC.subscribeAndAwaitAck(s0);
            final String lastId;
            try (SseStream onB = SseStream.open(podB, s0 + "," + s1, null)) {
                // Snapshots (or the seeds, live) in the order pod B read the two shards.
                final java.util.Map<String, Long> seeds = new java.util.TreeMap<>();
                for (int i = 0; i < 2; i++) {
                    final Tick t = onB.nextTick(null);
                    seeds.put(t.symbol, t.seq);
                }
                assertEquals(java.util.Map.of(s0, 1L, s1, 1L), seeds);
                // Shard 1 runs 20 s ahead of shard 0: pod B sequences s1#2 before s0#2.
                streams.append(1, s1, 2, 20_000);
                assertEquals(2, onB.nextTick(s1).seq);
                streams.append(0, s0, 2, 10_000);
                assertEquals(2, onB.nextTick(s0).seq);
                lastId = onB.lastId;
            }
            // Appended after the client left, still below shard 1's position.
            streams.append(0, s0, 3, 15_000);
            watchC.awaitSeq(s0, 3);
            try (SseStream onC = SseStream.open(podC, s0 + "," + s1, lastId)) {
                final Tick resumed = onC.nextTick(s0);
                assertEquals(3, resumed.seq, "the tick after the client's shard-0 position, replayed on pod C");
                assertFalse(resumed.isReset(), "an exact resume, no reset");
                onC.awaitIdOnly();
                assertTrue(onC.ticks.isEmpty(), "nothing else was missed: " + onC.ticks);
            }
            final String poll = poll(podC, s0 + "," + s1, lastId);
            assertEquals(List.of(3L), seqs(poll), poll);
            assertFalse(poll.contains("\"reset\""), poll);
            final Matcher m = POSITION.matcher(poll);
            assertTrue(m.find(), poll);
            assertEquals(SHARDS - 1, m.group(1).chars().filter(c -> c == '.').count(), "one position per shard");
        }
    }

    @Test
    void shouldResetAResumePointOfAnotherShape() throws Exception {
        final String s0 = symbolOf("VEC.C", 0);
        try (StatefulRedisConnection<String, String> r = direct.connect();
                TestClient watchC = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
            Streams.seed(r, s0);
            Pods.await(() -> podC.engine().symbols().idOf(s0) >= 0, "pod C knows " + s0);
            watchC.subscribeAndAwaitAck(s0);
            watchC.awaitSeq(s0, 1);
            final String epoch = podC.engine().epoch();
            try (SseStream onC = SseStream.open(podC, s0, epoch + "-12345")) {
                final Tick t = onC.nextTick(s0);
                assertTrue(t.isReset(), "a one-position id on a three-shard pod is not a resume point");
            }
        }
    }

    @Test
    void shouldHoldAnSseResumeFromAPodThatReadFurtherUntilThisPodCatchesUp() throws Exception {
        final String s0 = symbolOf("VEC.D", 0);
        try (StatefulRedisConnection<String, String> r = direct.connect();
                TestClient watchC = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
            final Streams streams = Streams.seed(r, s0);
            Pods.await(() -> podC.engine().symbols().idOf(s0) >= 0, "pod C knows " + s0);
            watchC.subscribeAndAwaitAck(s0);
            watchC.awaitSeq(s0, 1);
            final String idOnB;
            try (SseStream onB = SseStream.open(podB, s0, null)) {
                assertEquals(1, onB.nextTick(s0).seq);
                onB.awaitIdOnly();
                idOnB = onB.lastId;
            }
            // The client's last pod had read shard 0 up to an entry pod C has not read yet.
            final long entryPosition = (streams.baseMs + 30_000) << 22;
            final String[] parts = idOnB.substring(idOnB.indexOf('-') + 1).split("\\.");
            parts[0] = Long.toString(entryPosition, 36);
            final String ahead = idOnB.substring(0, idOnB.indexOf('-') + 1) + String.join(".", parts);
            final long waitsBefore = Pods.counter(podC, Counters.Counter.RESUMES_WAITED);
            try (SseStream onC = SseStream.open(podC, s0, ahead)) {
                Pods.await(() -> Pods.counter(podC, Counters.Counter.RESUMES_WAITED) > waitsBefore, "resume held");
                streams.append(0, s0, 2, 30_000);
                streams.append(0, s0, 3, 31_000);
                final Tick next = onC.nextTick(s0);
                assertEquals(3, next.seq, "the client had seq 2 (its pod read it first): 3 comes next, live");
                assertFalse(next.isReset(), "held until caught up, not reset");
            }
        }
    }

    @Test
    void shouldHoldAWebSocketSinceAheadOfThisPodUntilItCatchesUpAndResetOneItNeverReaches() {
        final String sym = symbolOf("VEC.E", 1);
        Pods.publish(podB, Ticks.numbered(sym, 1));
        try (TestClient onC = TestClient.connect(Pods.ws(podC), TestTokens.valid());
                TestClient never = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
            onC.subscribeAndAwaitAck(sym);
            onC.awaitSeq(sym, 1);
            onC.send("{\"op\":\"unsubscribe\",\"id\":\"u\",\"symbols\":[\"" + sym + "\"]}");
            final long waitsBefore = Pods.counter(podC, Counters.Counter.RESUMES_WAITED);
            final String epoch = podC.engine().epoch();
            final long expiredBefore = Pods.counter(podC, Counters.Counter.RESUMES_WAIT_EXPIRED);
            never.send("{\"op\":\"subscribe\",\"id\":\"n\",\"symbols\":[\"" + sym + "\"],\"since\":{\"" + sym
                    + "\":1000},\"epoch\":\"" + epoch + "\"}");
            onC.send("{\"op\":\"subscribe\",\"id\":\"r\",\"symbols\":[\"" + sym + "\"],\"since\":{\"" + sym
                    + "\":3},\"epoch\":\"" + epoch + "\"}");
            Pods.await(
                    () -> Pods.counter(podC, Counters.Counter.RESUMES_WAITED) >= waitsBefore + 2, "both resumes held");
            for (int i = 2; i <= 4; i++) {
                Pods.publish(podB, Ticks.numbered(sym, i));
            }
            final Tick next = onC.awaitSeq(sym, 4);
            assertFalse(next.isReset(), onC.describeTicks(sym));
            assertEquals(List.of(1L, 4L), Ticks.seqs(onC.ticks(sym)), "seqs 2 and 3 were the client's already");
            final Tick reset = never.awaitSeq(sym, 4);
            assertTrue(reset.isReset(), "a since this pod never reaches is reset once the wait is over");
            assertTrue(Pods.counter(podC, Counters.Counter.RESUMES_WAIT_EXPIRED) > expiredBefore);
        }
    }

    private static String poll(TickfanServer pod, String symbols, String since) throws Exception {
        final String query = "symbols=" + symbols + "&waitMs=0" + (since == null ? "" : "&since=" + since);
        final HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pod.port() + "/poll?" + query))
                        .header("Authorization", "Bearer " + TestTokens.valid())
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), response.body());
        return response.body();
    }

    private static List<Long> seqs(String answer) {
        final List<Long> seqs = new ArrayList<>();
        final Matcher m = SEQ.matcher(answer);
        while (m.find()) {
            seqs.add(Long.parseLong(m.group(1)));
        }
        return seqs;
    }

    /** Appends entries straight to the shard streams, with chosen ids, numbered by the test. */
    private static final class Streams {
        private final StatefulRedisConnection<String, String> redis;
        /** Per shard, the epoch its entries carry (each shard has its own), learnt from a seed entry. */
        private final String[] epochs = new String[SHARDS];

        final long baseMs = System.currentTimeMillis();

        private Streams(StatefulRedisConnection<String, String> redis) {
            this.redis = redis;
        }

        /** Publishes seq 1 of each symbol through pod B, and learns the epochs their entries carry. */
        static Streams seed(StatefulRedisConnection<String, String> r, String... symbols) {
            final Streams streams = new Streams(r);
            for (String s : symbols) {
                Pods.publish(podB, Ticks.numbered(s, 1));
            }
            for (String s : symbols) {
                final int shard = SymbolTable.shardOf(s, SHARDS);
                streams.epochs[shard] = epochOfSeed(r, s, shard);
            }
            return streams;
        }

        private static String epochOfSeed(StatefulRedisConnection<String, String> r, String symbol, int shard) {
            final String stream = new RedisKeys("tickfan").stream(shard);
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                for (var e : r.sync().xrevrange(stream, Range.create("-", "+"), Limit.from(20))) {
                    final String t = e.getBody().get(StreamEntries.TICKS);
                    if (t != null && t.startsWith(symbol + ",")) {
                        return e.getBody().get(StreamEntries.EPOCH);
                    }
                }
                Thread.onSpinWait();
            }
            throw new AssertionError("seed tick of " + symbol + " never reached its stream");
        }

        void append(int shard, String symbol, long seq, long aheadMs) {
            assertEquals(shard, SymbolTable.shardOf(symbol, SHARDS));
            final StringBuilder line = new StringBuilder();
            StreamEntries.writeLine(line, symbol, Ticks.numbered(symbol, (int) seq), EpochNanos.now());
            redis.sync()
                    .xadd(
                            new RedisKeys("tickfan").stream(shard),
                            new io.lettuce.core.XAddArgs().id((baseMs + aheadMs) + "-0"),
                            "e",
                            epochs[shard],
                            StreamEntries.FIRST_SEQS,
                            Long.toString(seq),
                            StreamEntries.TICKS,
                            line.toString());
        }
    }

    /** An SSE stream over HTTP/1.1 with the JDK client: ticks in order, and the last id seen. */
    private static final class SseStream implements AutoCloseable {
        final BlockingQueue<Tick> ticks = new LinkedBlockingQueue<>();
        final BlockingQueue<String> idOnly = new LinkedBlockingQueue<>();
        volatile String lastId;
        private final InputStream body;

        private SseStream(InputStream body) {
            this.body = body;
            final Thread reader = new Thread(this::read, "sse-vector-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static SseStream open(TickfanServer pod, String symbols, String lastEventId) throws Exception {
            final HttpRequest.Builder request = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + pod.port() + "/sse?symbols=" + symbols))
                    .header("Authorization", "Bearer " + TestTokens.valid());
            if (lastEventId != null) {
                request.header("Last-Event-ID", lastEventId);
            }
            final HttpResponse<InputStream> response =
                    http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, response.statusCode());
            return new SseStream(response.body());
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                String id = null;
                String data = null;
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (id != null) {
                            lastId = id;
                        }
                        if (data != null) {
                            ticks.add(decode(data));
                        } else if (id != null) {
                            idOnly.add(id);
                        }
                        id = null;
                        data = null;
                    } else if (line.startsWith("id: ")) {
                        id = line.substring(4);
                    } else if (line.startsWith("data: ")) {
                        data = line.substring(6);
                    }
                }
            } catch (java.io.IOException e) {
                // closed by the test
            }
        }

        private static Tick decode(String json) {
            final byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            try {
                return new Tick()
                        .copyFrom(new ServerMessageDecoder().decode(bytes, 0, bytes.length, new ServerMessage()).tick);
            } catch (ProtocolException e) {
                throw new AssertionError("not a tick: " + json, e);
            }
        }

        Tick nextTick(String symbol) throws InterruptedException {
            final Tick t = ticks.poll(10, TimeUnit.SECONDS);
            assertNotNull(t, "no tick of " + symbol + " within 10 s");
            if (symbol != null) {
                assertEquals(symbol, t.symbol, "the next tick");
            }
            return t;
        }

        void awaitIdOnly() throws InterruptedException {
            assertNotNull(idOnly.poll(10, TimeUnit.SECONDS), "the id-only record after the reply");
        }

        @Override
        public void close() throws java.io.IOException {
            body.close();
        }
    }
}
