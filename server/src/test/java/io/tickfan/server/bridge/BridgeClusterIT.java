package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.SymbolTable;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Pods on a real three-master Redis Cluster, the shards spread over the masters: one feed, the
 * same numbering everywhere, resume on any pod, and a master lost and restarted empty costing only
 * its own shards' symbols a {@code reset}. Each test has its own key prefix, so its streams and
 * epochs start fresh on the shared cluster.
 */
class BridgeClusterIT {
    private static final int SHARDS = 8;
    private static final Duration LONG = Duration.ofSeconds(30);

    private static RedisCluster cluster;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = RedisCluster.start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static TickfanServer pod(String prefix) throws Exception {
        return pod(prefix, c -> c);
    }

    private static TickfanServer pod(String prefix, UnaryOperator<ServerConfig> more) throws Exception {
        return Pods.start(
                cluster,
                c -> more.apply(c.with(ServerConfig.REDIS_SHARDS, SHARDS).with(ServerConfig.REDIS_KEY_PREFIX, prefix)));
    }

    /** Symbols {@code prefix.0..n-1}, asserted to cover every shard. */
    private static String[] symbolsOverEveryShard(String prefix, int n) {
        final String[] syms = new String[n];
        final Set<Integer> shards = new HashSet<>();
        for (int i = 0; i < n; i++) {
            syms[i] = prefix + "." + i;
            shards.add(SymbolTable.shardOf(syms[i], SHARDS));
        }
        assertEquals(SHARDS, shards.size(), "the symbols should cover every shard");
        return syms;
    }

    @Test
    void shouldSpreadTheShardsOverEveryMaster() {
        final RedisKeys keys = new RedisKeys("spread");
        final Set<Integer> masters = new HashSet<>();
        for (int s = 0; s < SHARDS; s++) {
            final RedisServer owner = cluster.ownerOf(keys.stream(s));
            // Every key of a shard lives with its stream: the append script never crosses slots.
            assertEquals(owner, cluster.ownerOf(keys.epoch(s)));
            assertEquals(owner, cluster.ownerOf(keys.seq(s)));
            assertEquals(owner, cluster.ownerOf(keys.writers(s)));
            masters.add(owner.port());
        }
        assertEquals(3, masters.size(), "every master should own at least one of " + SHARDS + " shards");
    }

    @Test
    void shouldDeliverEveryTickInOrderOnEveryPodWithShardsSpreadOverThreeMasters() throws Exception {
        final String[] syms = symbolsOverEveryShard("CO", 24);
        final int perSymbol = 100;
        try (TickfanServer podA = pod("order");
                TickfanServer podB = pod("order");
                TickfanServer podC = pod("order");
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid());
                TestClient onC = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
            assertEquals(podA.engine().epoch(), podB.engine().epoch());
            assertEquals(podA.engine().epoch(), podC.engine().epoch());
            onB.subscribeAndAwaitAck(syms);
            onC.subscribeAndAwaitAck(syms);
            for (int i = 0; i < perSymbol; i++) {
                for (String sym : syms) {
                    Pods.publish(podA, Ticks.numbered(sym, i));
                }
            }
            for (TestClient c : new TestClient[] {onB, onC}) {
                for (String sym : syms) {
                    final List<Tick> got = c.awaitTicks(sym, perSymbol);
                    assertEquals(Ticks.range(1, perSymbol), Ticks.seqs(got), c.describeTicks(sym));
                    for (int i = 0; i < perSymbol; i++) {
                        assertEquals(Ticks.numbered(sym, i).bid, got.get(i).bid, sym + " tick " + i + " out of order");
                    }
                }
            }
            assertEquals(0, Pods.counter(podB, Counters.Counter.BRIDGE_MALFORMED));
        }
    }

    @Test
    void shouldResumeWithSinceOnAnotherPodWithoutAGapOnACluster() throws Exception {
        final String[] syms = symbolsOverEveryShard("CR", 24);
        try (TickfanServer podA = pod("resume");
                TickfanServer podB = pod("resume");
                TickfanServer podC = pod("resume")) {
            final String epoch;
            try (TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
                epoch = onB.awaitAck(onB.subscribe(syms)).epoch();
                publishRange(podA, syms, 0, 50);
                for (String sym : syms) {
                    onB.awaitSeq(sym, 50);
                }
            }
            publishRange(podA, syms, 50, 80);
            Pods.await(() -> Pods.counter(podC, Counters.Counter.BRIDGE_READ) >= 80L * syms.length, "pod C read all");
            try (TestClient onC = TestClient.connect(Pods.ws(podC), TestTokens.valid())) {
                onC.send(resume("r", syms, 50, epoch));
                for (String sym : syms) {
                    final List<Tick> got = onC.awaitTicks(sym, 30);
                    assertEquals(Ticks.range(51, 80), Ticks.seqs(got), onC.describeTicks(sym));
                    assertTrue(got.stream().noneMatch(Tick::isReset), onC.describeTicks(sym));
                }
            }
        }
    }

    @Test
    @Tag("fault")
    void shouldResetOnlyTheSymbolsOfAMasterRestartedEmptyAndKeepTheOthersFlowing() throws Exception {
        final String prefix = "restart";
        final String[] syms = symbolsOverEveryShard("CF", 24);
        final RedisKeys keys = new RedisKeys(prefix);
        final RedisServer victim = cluster.ownerOf(keys.stream(SymbolTable.shardOf(syms[0], SHARDS)));
        final List<String> lost = new ArrayList<>();
        final List<String> kept = new ArrayList<>();
        for (String sym : syms) {
            final boolean onVictim = cluster.ownerOf(keys.stream(SymbolTable.shardOf(sym, SHARDS))) == victim;
            (onVictim ? lost : kept).add(sym);
        }
        assertFalse(kept.isEmpty(), "some symbols should live on the other masters");
        try (TickfanServer podA = pod(prefix);
                TickfanServer podB = pod(prefix);
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            final String oldEpoch = podB.engine().epoch();
            onB.subscribeAndAwaitAck(syms);
            publishRange(podA, syms, 0, 50);
            for (String sym : syms) {
                onB.awaitSeq(sym, 50);
            }
            victim.kill();
            publishRange(podA, syms, 50, 100);
            // While the master is down, the other masters' shards keep flowing to pod B.
            for (String sym : kept) {
                onB.awaitSeq(sym, 100);
            }
            assertTrue(lost.stream().allMatch(sym -> onB.ticks(sym).size() == 50), "lost shards wait for their master");
            victim.start();
            cluster.awaitClusterOk(victim);
            publishRange(podA, syms, 100, 150);
            for (String sym : kept) {
                final List<Tick> got = onB.awaitTicks(sym, 150, LONG);
                assertEquals(Ticks.range(1, 150), Ticks.seqs(got), onB.describeTicks(sym));
                for (int i = 0; i < 150; i++) {
                    assertEquals(Ticks.numbered(sym, i).bid, got.get(i).bid, sym + " tick " + i);
                    assertFalse(got.get(i).isReset(), sym + ": no reset expected at " + i);
                }
            }
            for (String sym : lost) {
                final Tick last = onB.await(
                                r -> r.isTickOf(sym) && r.tick().bid == Ticks.numbered(sym, 149).bid,
                                sym + " newest tick after the restart",
                                LONG)
                        .tick();
                // Pod A resends the 50 it had read back just before the kill (pod B's reader might have
                // been behind): the new numbering counts them, pod B drops them as delivered already.
                assertEquals(150, last.seq, "the 50 resent and the 100 published since the kill, numbered afresh");
                final Tick firstAfter = onB.ticks(sym).get(50);
                assertTrue(firstAfter.isReset(), "the new numbering starts with reset: " + onB.describeTicks(sym));
                assertEquals(51, firstAfter.seq);
                assertEquals(Ticks.numbered(sym, 50).bid, firstAfter.bid);
            }
            assertFalse(oldEpoch.equals(podB.engine().epoch()), "the engine epoch moves with a shard's epoch");
            Pods.await(() -> podA.engine().epoch().equals(podB.engine().epoch()), "both pods on the new epoch");
            assertEquals(0, Pods.counter(podA, Counters.Counter.BRIDGE_DROPPED));
        }
    }

    private static void publishRange(TickfanServer pod, String[] syms, int from, int to) {
        for (int i = from; i < to; i++) {
            for (String sym : syms) {
                Pods.publish(pod, Ticks.numbered(sym, i));
            }
        }
    }

    private static String resume(String id, String[] syms, long since, String epoch) {
        final StringBuilder b = new StringBuilder("{\"op\":\"subscribe\",\"id\":\"" + id + "\",\"symbols\":[");
        final StringBuilder s = new StringBuilder();
        for (int i = 0; i < syms.length; i++) {
            b.append(i == 0 ? "" : ",").append('"').append(syms[i]).append('"');
            s.append(i == 0 ? "" : ",")
                    .append('"')
                    .append(syms[i])
                    .append("\":")
                    .append(since);
        }
        return b.append("],\"since\":{")
                .append(s)
                .append("},\"epoch\":\"")
                .append(epoch)
                .append("\"}")
                .toString();
    }
}
