package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.List;
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
            assertEquals(100, last.seq, "the 100 buffered ticks numbered afresh");
            final List<Tick> got = onB.ticks(sym);
            final Tick firstAfter = got.get(20);
            assertTrue(
                    firstAfter.isReset(),
                    "the first tick of the new numbering carries reset: " + onB.describeTicks(sym));
            assertEquals(1, firstAfter.seq);
            assertEquals(Ticks.numbered(sym, 220).bid, firstAfter.bid, "the oldest kept tick");
            assertNotEquals(oldEpoch, podB.engine().epoch());
            // Each pod's reader adopts the new epoch when it reads the first new entry: wait for A's too.
            Pods.await(() -> podA.engine().epoch().equals(podB.engine().epoch()), "both pods on the new epoch");
            assertTrue(Pods.counter(podB, Counters.Counter.BRIDGE_RESETS) >= 1);
        }
    }
}
