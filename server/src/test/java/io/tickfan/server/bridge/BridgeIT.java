package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.Received;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three pods on one real Redis: one feed, the same numbering everywhere, resume on any pod. */
class BridgeIT {
    private static RedisServer redis;
    private static TickfanServer podA;
    private static TickfanServer podB;
    private static TickfanServer podC;
    private static RedisClient direct;

    @BeforeAll
    static void startPods() throws Exception {
        redis = RedisServer.start(false);
        podA = Pods.start(redis);
        podB = Pods.start(redis);
        podC = Pods.start(redis);
        direct = RedisClient.create(redis.uri());
    }

    @AfterAll
    static void stopPods() throws Exception {
        for (TickfanServer pod : new TickfanServer[] {podA, podB, podC}) {
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

    /**
     * A pod catching up from a stream nobody is writing to (every pod of the fleet restarting)
     * does not sit out a blocking read before it accepts: the catch-up reads do not block.
     */
    @Test
    void shouldNotWaitOutABlockingReadToCatchUpFromAQuietStream() throws Exception {
        final long blockMs = 20_000;
        final long began = System.nanoTime();
        // A key prefix of its own: an empty stream, as after a fleet restart with no publisher yet.
        try (TickfanServer pod =
                Pods.start(redis, c -> c.with(ServerConfig.REDIS_KEY_PREFIX, "quiet-" + System.nanoTime())
                        .with(ServerConfig.REDIS_READ_BLOCK_MS, blockMs)
                        .with(ServerConfig.REDIS_STARTUP_TIMEOUT_MS, 60_000))) {
            final long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
            assertTrue(
                    tookMs < blockMs / 2,
                    "the pod took " + tookMs + " ms to start (redis.readBlockMs " + blockMs + ")");
            // Caught up, it reads (blocking) what is published from then on.
            final String sym = "BR.QUIET";
            try (TestClient sub = TestClient.connect(Pods.ws(pod), TestTokens.valid());
                    TestClient publisher = TestClient.connect(Pods.ws(pod), TestTokens.publisher())) {
                sub.subscribeAndAwaitAck(sym);
                publisher.awaitAck(publisher.publish(Ticks.numbered(sym, 0)));
                assertEquals(List.of(1L), Ticks.seqs(sub.awaitTicks(sym, 1)), sub.describeTicks(sym));
            }
        }
    }

    @Test
    void shouldShareOneEpochAcrossPods() {
        assertEquals(podA.engine().epoch(), podB.engine().epoch());
        assertEquals(podA.engine().epoch(), podC.engine().epoch());
    }

    @Test
    void shouldDeliverTicksPublishedOnOnePodToEveryPodInOrderWithTheSameSeq() {
        final String sym = "BR.ORDER";
        final int n = 500;
        try (TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid());
                TestClient onC = TestClient.connect(Pods.ws(podC), TestTokens.valid());
                TestClient publisher = TestClient.connect(Pods.ws(podA), TestTokens.publisher())) {
            onB.subscribeAndAwaitAck(sym);
            onC.subscribeAndAwaitAck(sym);
            publisher.awaitAck(publisher.publish(Ticks.numbered(sym, 0)));
            for (int i = 1; i < n; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            for (TestClient c : new TestClient[] {onB, onC}) {
                final List<Tick> got = c.awaitTicks(sym, n);
                assertEquals(Ticks.range(1, n), Ticks.seqs(got), c.describeTicks(sym));
                for (int i = 0; i < n; i++) {
                    assertEquals(Ticks.numbered(sym, i).bid, got.get(i).bid, "tick " + i + " out of order");
                }
            }
        }
    }

    @Test
    void shouldResumeWithSinceOnAnotherPodWithoutAGap() {
        final String sym = "BR.RESUME";
        final String epoch;
        try (TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            final String id = onB.subscribe(sym);
            epoch = onB.awaitAck(id).epoch();
            for (int i = 0; i < 50; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            onB.awaitSeq(sym, 50);
        }
        for (int i = 50; i < 80; i++) {
            Pods.publish(podA, Ticks.numbered(sym, i));
        }
        Pods.await(() -> Pods.counter(podC, Counters.Counter.BRIDGE_READ) > 0, "pod C reading");
        try (TestClient onC = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
            onC.send("{\"op\":\"subscribe\",\"id\":\"r\",\"symbols\":[\"" + sym + "\"],\"since\":{\"" + sym
                    + "\":50},\"epoch\":\"" + epoch + "\"}");
            final List<Tick> got = onC.awaitTicks(sym, 30);
            assertEquals(Ticks.range(51, 80), Ticks.seqs(got), onC.describeTicks(sym));
            assertTrue(got.stream().noneMatch(Tick::isReset), onC.describeTicks(sym));
        }
    }

    @Test
    void shouldResumeAnSsePositionFromOnePodOnAnother() throws Exception {
        final String sym = "BR.POLL";
        Pods.publish(podA, Ticks.numbered(sym, 0));
        Pods.await(
                () -> podB.engine().symbols().idOf(sym) >= 0
                        && podC.engine().symbols().idOf(sym) >= 0,
                "symbol everywhere");
        final String first = poll(podB, sym, null);
        final String position = field(first, "position");
        assertEquals(List.of(1L), seqs(first), first);
        for (int i = 1; i <= 10; i++) {
            Pods.publish(podA, Ticks.numbered(sym, i));
        }
        final String resumed = pollUntil(podC, sym, position, 10);
        assertEquals(Ticks.range(2, 11), seqs(resumed), resumed);
        assertFalse(resumed.contains("\"reset\""), resumed);
    }

    @Test
    void shouldDeliverADuplicatedStreamEntryOnce() {
        final String sym = "BR.DUP";
        try (TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid());
                StatefulRedisConnection<String, String> r = Pods.connect(direct)) {
            onB.subscribeAndAwaitAck(sym);
            Pods.publish(podA, Ticks.numbered(sym, 1));
            onB.awaitSeq(sym, 1);
            final String stream = new RedisKeys("tickfan").stream(0);
            final var entries =
                    r.sync().xrevrange(stream, io.lettuce.core.Range.create("-", "+"), io.lettuce.core.Limit.from(50));
            final var original = entries.stream()
                    .filter(e -> e.getBody().get(StreamEntries.TICKS).startsWith(sym + ","))
                    .findFirst()
                    .orElseThrow();
            r.sync().xadd(stream, original.getBody()); // the same tick appended again, as a replay would
            final Tick retried = Ticks.withSeq(Ticks.numbered(sym, 2), 2);
            Pods.publish(podA, retried);
            Pods.publish(podA, Ticks.withSeq(Ticks.numbered(sym, 2), 2)); // a publisher retry
            Pods.publish(podA, Ticks.numbered(sym, 3));
            onB.awaitSeq(sym, 3);
            assertEquals(List.of(1L, 2L, 3L), Ticks.seqs(onB.ticks(sym)), onB.describeTicks(sym));
            Pods.await(() -> Pods.counter(podB, Counters.Counter.DUPLICATES_DROPPED) >= 1, "duplicate counted");
        }
    }

    @Test
    void shouldSkipMalformedStreamEntries() {
        final String sym = "BR.BAD";
        final long before = Pods.counter(podB, Counters.Counter.BRIDGE_MALFORMED);
        try (TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid());
                StatefulRedisConnection<String, String> r = Pods.connect(direct)) {
            onB.subscribeAndAwaitAck(sym);
            final String stream = new RedisKeys("tickfan").stream(0);
            final String epoch = podB.engine().epoch();
            final String line = ",0,3,1,1,100000000,100000000,0,0,0,0\n";
            r.sync().xadd(stream, "garbage", "1");
            r.sync().xadd(stream, "e", epoch, "q", "1", "t", "NOT A SYMBOL!" + line);
            r.sync().xadd(stream, "e", epoch, "q", "x", "t", sym + line);
            r.sync().xadd(stream, "e", epoch, "q", "1", "t", sym + ",0,3,1,1\n");
            r.sync().xadd(stream, "e", epoch, "q", "1,2", "t", sym + line); // more runs than ticks
            r.sync().xadd(stream, "e", "someotherepoch", "q", "1", "t", sym + line);
            r.sync().xadd(stream, "e", epoch, "d", sym + ",5"); // a divergence marker without its range end
            Pods.publish(podA, Ticks.numbered(sym, 7));
            final Tick got = onB.awaitSeq(sym, 1);
            assertEquals(Ticks.numbered(sym, 7).bid, got.bid);
            assertEquals(1, onB.ticks(sym).size(), onB.describeTicks(sym));
            Pods.await(() -> Pods.counter(podB, Counters.Counter.BRIDGE_MALFORMED) >= before + 7, "7 entries skipped");
        }
    }

    @Test
    void shouldResumeOnAnotherPodAfterItsPodCloses() throws Exception {
        final String sym = "BR.PODLOSS";
        final TickfanServer podD = Pods.start(redis);
        final String epoch;
        try (TestClient onD = TestClient.connect(Pods.ws(podD), TestTokens.valid())) {
            final String id = onD.subscribe(sym);
            epoch = onD.awaitAck(id).epoch();
            for (int i = 0; i < 20; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            onD.awaitSeq(sym, 20);
            podD.close();
            onD.awaitClose();
        }
        for (int i = 20; i < 40; i++) {
            Pods.publish(podA, Ticks.numbered(sym, i));
        }
        try (TestClient onC = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
            onC.send("{\"op\":\"subscribe\",\"id\":\"r\",\"symbols\":[\"" + sym + "\"],\"since\":{\"" + sym
                    + "\":20},\"epoch\":\"" + epoch + "\"}");
            final Received ack = onC.awaitAck("r");
            assertEquals(epoch, ack.epoch());
            final List<Tick> got = onC.awaitTicks(sym, 20);
            assertEquals(Ticks.range(21, 40), Ticks.seqs(got), onC.describeTicks(sym));
            assertEquals(Ticks.numbered(sym, 39).bid, got.get(19).bid);
        }
    }

    @Test
    void shouldKeepOrderAndSeqPerSymbolAcrossShards() throws Exception {
        final String[] syms = {"SH.A", "SH.B", "SH.C", "SH.D", "SH.E", "SH.F"};
        final int perSymbol = 100;
        try (TickfanServer p1 = Pods.start(redis, c -> c.with(ServerConfig.REDIS_SHARDS, 3)
                        .with(ServerConfig.REDIS_KEY_PREFIX, "sharded"));
                TickfanServer p2 = Pods.start(redis, c -> c.with(ServerConfig.REDIS_SHARDS, 3)
                        .with(ServerConfig.REDIS_KEY_PREFIX, "sharded"));
                TestClient on2 = TestClient.connect(Pods.ws(p2), TestTokens.valid())) {
            on2.subscribeAndAwaitAck(syms);
            for (int i = 0; i < perSymbol; i++) {
                for (String sym : syms) {
                    Pods.publish(p1, Ticks.numbered(sym, i));
                }
            }
            for (String sym : syms) {
                final List<Tick> got = on2.awaitTicks(sym, perSymbol);
                assertEquals(Ticks.range(1, perSymbol), Ticks.seqs(got), on2.describeTicks(sym));
                assertEquals(Ticks.numbered(sym, perSymbol - 1).bid, got.get(perSymbol - 1).bid);
            }
            final java.util.Set<Integer> shards = new java.util.HashSet<>();
            for (String sym : syms) {
                shards.add(io.tickfan.server.fanout.SymbolTable.shardOf(sym, 3));
            }
            assertTrue(shards.size() > 1, "the symbols should spread over shards: " + shards);
        }
    }

    @Test
    void shouldServeResumesItsHistoryLacksFromTheStreamWithinBounds() throws Exception {
        final String sym = "BR.BACKFILL";
        try (TickfanServer small = Pods.start(redis, c -> c.with(ServerConfig.HISTORY_TICKS, 4)
                        .with(ServerConfig.REDIS_BACKFILL_MAX_TICKS, 45));
                TestClient watcher = TestClient.connect(Pods.ws(small), TestTokens.valid())) {
            final String epoch = small.engine().epoch();
            watcher.subscribeAndAwaitAck(sym);
            for (int i = 0; i < 20; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            watcher.awaitSeq(sym, 20);
            final String at20 = pollSnapshotAt(podB, sym, 20);
            for (int i = 20; i < 50; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            watcher.awaitSeq(sym, 50);
            final long before = Pods.counter(small, Counters.Counter.BRIDGE_BACKFILLED);

            // WebSocket since=20: 26 of the 30 ticks are only in the stream (history keeps 4).
            try (TestClient resumed = TestClient.connect(Pods.ws(small), TestTokens.valid())) {
                resumed.send(resume("r", sym, 20, epoch));
                final List<Tick> got = resumed.awaitTicks(sym, 30);
                assertEquals(Ticks.range(21, 50), Ticks.seqs(got), resumed.describeTicks(sym));
                for (int i = 0; i < 30; i++) {
                    assertEquals(Ticks.numbered(sym, 20 + i).bid, got.get(i).bid, "tick " + (21 + i));
                    assertEquals(Ticks.numbered(sym, 20 + i).ask, got.get(i).ask, "merged ask of " + (21 + i));
                }
                assertTrue(got.stream().noneMatch(Tick::isReset), resumed.describeTicks(sym));
                // and live after the replay, with no gap
                Pods.publish(podA, Ticks.numbered(sym, 50));
                assertEquals(Ticks.numbered(sym, 50).bid, resumed.awaitSeq(sym, 51).bid);
            }
            assertTrue(Pods.counter(small, Counters.Counter.BRIDGE_BACKFILLED) - before >= 26);

            // SSE position (long poll) from seq 20 on pod B: served on the small pod from the stream.
            final String resumedPoll = pollUntil(small, sym, at20, 31);
            assertEquals(Ticks.range(21, 51), seqs(resumedPoll), resumedPoll);
            assertFalse(resumedPoll.contains("\"reset\""), resumedPoll);

            // since=2 needs 49 ticks, past redis.backfillMaxTicks=45: reset, never a partial replay.
            try (TestClient tooFar = TestClient.connect(Pods.ws(small), TestTokens.valid())) {
                tooFar.send(resume("f", sym, 2, epoch));
                final Tick first = tooFar.awaitTicks(sym, 1).get(0);
                assertTrue(first.isReset(), tooFar.describeTicks(sym));
                assertEquals(51, first.seq);
            }
        }
    }

    private static String resume(String id, String sym, long since, String epoch) {
        return "{\"op\":\"subscribe\",\"id\":\"" + id + "\",\"symbols\":[\"" + sym + "\"],\"since\":{\"" + sym + "\":"
                + since + "},\"epoch\":\"" + epoch + "\"}";
    }

    /** The position of a poll answered with {@code sym}'s snapshot at {@code seq} (the pod may still be reading). */
    private static String pollSnapshotAt(TickfanServer pod, String sym, long seq) throws Exception {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            final String body = poll(pod, sym, null);
            if (seqs(body).equals(List.of(seq))) {
                return field(body, "position");
            }
            assertTrue(System.nanoTime() < deadline, body);
            java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L); // the poll rate limit: 5/s
        }
    }

    // ---- long polling ---------------------------------------------------------------------------

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static String poll(TickfanServer pod, String sym, String since) throws Exception {
        final String query = "symbols=" + sym + "&waitMs=200" + (since == null ? "" : "&since=" + since);
        final HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pod.port() + "/poll?" + query))
                .header("Authorization", "Bearer " + TestTokens.valid())
                .build();
        final HttpResponse<String> res = HTTP.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, res.statusCode(), res.body());
        return res.body();
    }

    /** Polls from {@code since} until {@code count} ticks come back in one answer (the pod may still be reading). */
    private static String pollUntil(TickfanServer pod, String sym, String since, int count) throws Exception {
        final long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            final String body = poll(pod, sym, since);
            if (seqs(body).size() >= count || System.nanoTime() > deadline) {
                return body;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(300_000_000L); // the poll rate limit: 5/s
        }
    }

    private static String field(String json, String name) {
        final Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), json);
        return m.group(1);
    }

    private static List<Long> seqs(String json) {
        final Matcher m = Pattern.compile("\"seq\":(\\d+)").matcher(json);
        final java.util.ArrayList<Long> out = new java.util.ArrayList<>();
        while (m.find()) {
            out.add(Long.parseLong(m.group(1)));
        }
        return out.stream().collect(Collectors.toList());
    }
}
