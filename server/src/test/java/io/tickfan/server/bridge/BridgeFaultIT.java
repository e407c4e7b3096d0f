package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Redis killed under running pods: restarted with its data, or restarted empty. */
@Tag("fault")
class BridgeFaultIT {
    private static final Duration LONG = Duration.ofSeconds(30);

    @Test
    void shouldLoseNothingWhenRedisIsKilledAndRestartsWithItsData() throws Exception {
        final String sym = "FT.KEEP";
        try (RedisServer redis = RedisServer.start(true);
                TickfanServer podA = Pods.start(redis);
                TickfanServer podB = Pods.start(redis);
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            final String epoch = podB.engine().epoch();
            onB.subscribeAndAwaitAck(sym);
            for (int i = 0; i < 200; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            onB.awaitSeq(sym, 200);
            redis.kill();
            for (int i = 200; i < 400; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i)); // buffered on pod A while Redis is down
            }
            Pods.await(() -> !podA.bridge().isWriterUp(), "pod A to notice the outage");
            redis.start();
            for (int i = 400; i < 600; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            final List<Tick> got = onB.awaitTicks(sym, 600, LONG);
            assertEquals(Ticks.range(1, 600), Ticks.seqs(got), onB.describeTicks(sym));
            for (int i = 0; i < 600; i++) {
                assertEquals(Ticks.numbered(sym, i).bid, got.get(i).bid, "tick " + i);
                assertTrue(!got.get(i).isReset(), "no reset expected at " + i);
            }
            assertEquals(epoch, podB.engine().epoch());
            assertEquals(0, Pods.counter(podA, Counters.Counter.BRIDGE_DROPPED));
            assertEquals(0, Pods.counter(podB, Counters.Counter.BRIDGE_RESETS));
            assertTrue(Pods.counter(podB, Counters.Counter.BRIDGE_RECONNECTS) >= 1);
        }
    }

    /**
     * A Redis that answers nothing (SIGSTOP): appends go unanswered, so the pod turns degraded, then
     * they time out and fail. That failure must not end degraded mode while Redis is still away: it
     * did, for {@code redis.degradedAfterMs}, and the pod's subscribers got nothing meanwhile.
     */
    @Test
    void shouldStayDegradedWhileRedisAnswersNothing() throws Exception {
        final String sym = "FT.FROZEN";
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer podA = Pods.start(redis, c -> c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, 200))) {
            Pods.publish(podA, Ticks.numbered(sym, 0));
            redis.freeze();
            boolean degraded = false;
            boolean leftWhileFrozen = false;
            try {
                // Past Pods' 1 s command timeout: the unanswered appends fail.
                final long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
                for (int i = 1; System.nanoTime() < until; i++) {
                    Pods.publish(podA, Ticks.numbered(sym, i));
                    if (podA.bridge().isDegraded()) {
                        degraded = true;
                    } else if (degraded) {
                        leftWhileFrozen = true;
                    }
                    Thread.sleep(2);
                }
            } finally {
                redis.thaw();
            }
            assertTrue(degraded, "pod A never turned degraded");
            assertFalse(leftWhileFrozen, "pod A left degraded mode while Redis answered nothing");
            assertEquals(1, Pods.counter(podA, Counters.Counter.BRIDGE_DEGRADED));
        }
    }

    @Test
    void shouldResetClientsAndDropTheOldestWhenRedisRestartsEmpty() throws Exception {
        final String sym = "FT.EMPTY";
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer podA = Pods.start(redis, c -> c.with(ServerConfig.REDIS_OUTBOUND_BUFFER_TICKS, 100));
                TickfanServer podB = Pods.start(redis);
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            final String oldEpoch = podB.engine().epoch();
            onB.subscribeAndAwaitAck(sym);
            for (int i = 0; i < 20; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            onB.awaitSeq(sym, 20);
            redis.kill();
            // One tick first, until pod A has seen its append fail: from then on every tick is
            // buffered, none in flight, so exactly the 200 oldest of the 300 must go.
            Pods.publish(podA, Ticks.numbered(sym, 20));
            Pods.await(() -> !podA.bridge().isWriterUp(), "pod A to notice the outage");
            for (int i = 21; i < 320; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i)); // 300 into a buffer of 100
            }
            Pods.await(() -> Pods.counter(podA, Counters.Counter.BRIDGE_DROPPED) == 200, "the 200 oldest dropped");
            redis.start();
            final Tick last = onB.await(
                            r -> r.isTickOf(sym) && r.tick().bid == Ticks.numbered(sym, 319).bid,
                            "the newest tick after the restart",
                            LONG)
                    .tick();
            final List<Tick> got = onB.ticks(sym);
            // The 20 ticks read just before the kill may be resent into the new epoch too (decision
            // 0003); pod B has them and drops them by content: 20 + the 100 kept, each once.
            assertEquals(120, got.size(), onB.describeTicks(sym));
            final Tick firstAfter = got.get(20);
            assertTrue(
                    firstAfter.isReset(),
                    "the first tick of the new numbering carries reset: " + onB.describeTicks(sym));
            assertEquals(Ticks.numbered(sym, 220).bid, firstAfter.bid, "the oldest kept tick");
            assertEquals(99, last.seq - firstAfter.seq, "the 100 buffered ticks numbered in order");
            assertNotEquals(oldEpoch, podB.engine().epoch());
            // Each pod's reader adopts the new epoch when it reads the first new entry: wait for A's too.
            Pods.await(() -> podA.engine().epoch().equals(podB.engine().epoch()), "both pods on the new epoch");
            assertTrue(Pods.counter(podB, Counters.Counter.BRIDGE_RESETS) >= 1);
        }
    }

    @Test
    void shouldKeepDeliveringTicksPublishedHereWhileRedisIsDownAndConfirmThemOnRejoin() throws Exception {
        final String sym = "FT.LOCAL";
        try (RedisServer redis = RedisServer.start(true);
                TickfanServer podA = Pods.start(redis, c -> c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, 200));
                TickfanServer podB = Pods.start(redis, c -> c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, 200));
                TestClient onA = TestClient.connect(Pods.ws(podA), TestTokens.valid());
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            final String epoch = podB.engine().epoch();
            onA.subscribeAndAwaitAck(sym);
            onB.subscribeAndAwaitAck(sym);
            for (int i = 0; i < 100; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            onA.awaitSeq(sym, 100);
            onB.awaitSeq(sym, 100);
            redis.kill();
            // No waiting for the outage to be noticed: ticks published in the detection window are
            // delivered locally too once the pod turns degraded, in the order Redis will number them.
            for (int i = 100; i < 300; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            final List<Tick> whileDown = onA.awaitTicks(sym, 300, LONG);
            assertTrue(podA.bridge().isDegraded(), "pod A should be degraded while Redis is down");
            assertEquals(Ticks.range(1, 300), Ticks.seqs(whileDown), onA.describeTicks(sym));
            assertEquals(100, onB.ticks(sym).size(), "pod B cannot get them before Redis is back");
            assertTrue(Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_TICKS) >= 200);
            redis.start();
            Pods.await(() -> !podA.bridge().isDegraded(), "pod A to leave degraded mode");
            for (int i = 300; i < 400; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            for (TestClient c : new TestClient[] {onA, onB}) {
                final List<Tick> got = c.awaitTicks(sym, 400, LONG);
                assertEquals(Ticks.range(1, 400), Ticks.seqs(got), c.describeTicks(sym));
                for (int i = 0; i < 400; i++) {
                    assertEquals(Ticks.numbered(sym, i).bid, got.get(i).bid, "tick " + i);
                    assertFalse(got.get(i).isReset(), "no reset expected at " + i);
                }
            }
            Pods.await(
                    () -> Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) == 200,
                    "pod A to confirm its 200 local seqs against Redis's numbering");
            assertEquals(0, Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_DIVERGED));
            assertEquals(0, Pods.counter(podA, Counters.Counter.BRIDGE_DROPPED));
            // A seq pod A gave out alone is valid on pod B: Redis numbered the same ticks the same way.
            try (TestClient resumed = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
                resumed.send("{\"op\":\"subscribe\",\"id\":\"r\",\"symbols\":[\"" + sym + "\"],\"since\":{\"" + sym
                        + "\":250},\"epoch\":\"" + epoch + "\"}");
                final List<Tick> got = resumed.awaitTicks(sym, 150);
                assertEquals(Ticks.range(251, 400), Ticks.seqs(got), resumed.describeTicks(sym));
                assertEquals(Ticks.numbered(sym, 250).bid, got.get(0).bid);
            }
        }
    }

    @Test
    void shouldResetLocalSubscribersWhoseLocalNumberingDivergedFromRedis() throws Exception {
        final String sym = "FT.SPLIT";
        try (RedisServer redis = RedisServer.start(true);
                TickfanServer podA = Pods.start(redis, c -> c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, 200));
                TickfanServer podB = Pods.start(redis, c -> c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, 200));
                TestClient onA = TestClient.connect(Pods.ws(podA), TestTokens.valid());
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            onA.subscribeAndAwaitAck(sym);
            onB.subscribeAndAwaitAck(sym);
            for (int i = 0; i < 10; i++) {
                Pods.publish(podA, Ticks.numbered(sym, i));
            }
            onA.awaitSeq(sym, 10);
            onB.awaitSeq(sym, 10);
            redis.kill();
            // Both pods number the same symbol alone: seqs 11..30 on A and 11..30 on B, different ticks.
            for (int i = 0; i < 20; i++) {
                Pods.publish(podA, Ticks.numbered(sym, 100 + i));
                Pods.publish(podB, Ticks.numbered(sym, 200 + i));
            }
            onA.awaitSeq(sym, 30);
            onB.awaitSeq(sym, 30);
            redis.start();
            // Redis numbers one pod's 20 ticks 11..30 and the other's 31..50.
            final Tick lastOnA = onA.await(r -> r.isTickOf(sym) && r.tick().seq == 50, "seq 50 on A", LONG)
                    .tick();
            final Tick lastOnB = onB.await(r -> r.isTickOf(sym) && r.tick().seq == 50, "seq 50 on B", LONG)
                    .tick();
            assertEquals(lastOnA.bid, lastOnB.bid, "both pods end on Redis's numbering");
            final Map<Long, Long> finalA = checkHonest(onA.ticks(sym), onA.describeTicks(sym));
            final Map<Long, Long> finalB = checkHonest(onB.ticks(sym), onB.describeTicks(sym));
            for (long seq = 11; seq <= 50; seq++) {
                assertEquals(finalA.get(seq), finalB.get(seq), "seq " + seq + " after the last reset");
            }
            final long diverged = Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_DIVERGED)
                    + Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_DIVERGED);
            assertEquals(1, diverged, "exactly one pod's local numbering lost");
            final long resets = onA.ticks(sym).stream().filter(Tick::isReset).count()
                    + onB.ticks(sym).stream().filter(Tick::isReset).count();
            assertEquals(1, resets, "the clients of that pod get reset, once");
            // A client that got the diverged seqs 11..30 there and moves to the other pod must not be
            // replayed Redis's different ticks under the same seqs: the marker makes every pod refuse them.
            final boolean aDiverged = Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_DIVERGED) == 1;
            final TickfanServer other = aDiverged ? podB : podA;
            Pods.await(
                    () -> Pods.counter(other, Counters.Counter.BRIDGE_DIVERGED_RANGES) >= 1,
                    "the divergence marker to reach the other pod");
            try (TestClient moved = TestClient.connect(Pods.ws(other), TestTokens.valid())) {
                moved.send(resume("m", sym, 15, other.engine().epoch()));
                final Tick first = moved.awaitTicks(sym, 1).get(0);
                assertTrue(first.isReset(), moved.describeTicks(sym));
                assertEquals(50, first.seq);
            }
            try (TestClient after = TestClient.connect(Pods.ws(other), TestTokens.valid())) {
                after.send(resume("a", sym, 40, other.engine().epoch()));
                final List<Tick> got = after.awaitTicks(sym, 10);
                assertEquals(
                        Ticks.range(41, 50), Ticks.seqs(got), "past the diverged range: " + after.describeTicks(sym));
                assertTrue(got.stream().noneMatch(Tick::isReset), after.describeTicks(sym));
            }
        }
    }

    private static String resume(String id, String sym, long since, String epoch) {
        return "{\"op\":\"subscribe\",\"id\":\"" + id + "\",\"symbols\":[\"" + sym + "\"],\"since\":{\"" + sym + "\":"
                + since + "},\"epoch\":\"" + epoch + "\"}";
    }

    /**
     * Walks a client's ticks as a client would: each seq follows the previous one unless the tick
     * carries reset, which replaces everything. Returns seq to bid since the last reset (or start).
     */
    private static Map<Long, Long> checkHonest(List<Tick> ticks, String description) {
        final Map<Long, Long> bySeq = new HashMap<>();
        long last = 0;
        for (Tick t : ticks) {
            if (t.isReset()) {
                bySeq.clear();
            } else if (last != 0) {
                assertEquals(last + 1, t.seq, "a gap or repeat without reset: " + description);
            }
            bySeq.put(t.seq, t.bid);
            last = t.seq;
        }
        return bySeq;
    }
}
