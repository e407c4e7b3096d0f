package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The issue #15 drill: ticks unique by content published on pod A while Redis is SIGKILLed and
 * restarted empty, three times; every subscriber on either pod must get every tick exactly once
 * (by content, not only by seq). The only thing a restart may cost a subscriber is a {@code reset}.
 */
@Tag("fault")
@Disabled("issue #15: still misses a few ticks on the reading pod in about 1 run of 2 in CI (3 of 9,568 on 2026-12-06);"
        + " run it with -Dit.test=BridgeRestartDrillIT after removing this line while fixing it")
class BridgeRestartDrillIT {
    private static final int SYMBOLS = 10;
    private static final int ROUNDS = 3;
    private static final long TICK_EVERY_NS = 1_000_000; // ~1,000 ticks/s at most, loopback, bounded

    @Test
    void shouldDeliverEveryTickExactlyOnceOnBothPodsAcrossEmptyRestarts() throws Exception {
        final String[] syms = new String[SYMBOLS];
        for (int i = 0; i < SYMBOLS; i++) {
            syms[i] = "DR.S" + i;
        }
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer podA = Pods.start(redis, c -> c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, 200));
                TickfanServer podB = Pods.start(redis, c -> c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, 200));
                TestClient onA = TestClient.connect(Pods.ws(podA), TestTokens.valid());
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            onA.subscribeAndAwaitAck(syms);
            onB.subscribeAndAwaitAck(syms);
            final AtomicBoolean publishing = new AtomicBoolean(true);
            final AtomicInteger published = new AtomicInteger();
            final Thread publisher = new Thread(
                    () -> {
                        long next = System.nanoTime();
                        while (publishing.get()) {
                            final int n = published.get();
                            Pods.publish(podA, unique(syms[n % SYMBOLS], n));
                            published.incrementAndGet();
                            next += TICK_EVERY_NS;
                            LockSupport.parkNanos(next - System.nanoTime());
                        }
                    },
                    "drill-publisher");
            publisher.start();
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    pause(Duration.ofMillis(700));
                    redis.kill();
                    pause(Duration.ofMillis(2000));
                    redis.start();
                    Pods.await(() -> !podA.bridge().isDegraded(), "pod A to leave degraded mode");
                }
                pause(Duration.ofMillis(700));
            } finally {
                publishing.set(false);
                publisher.join();
            }
            final int total = published.get();
            assertEquals(0, Pods.counter(podA, Counters.Counter.BRIDGE_DROPPED), "nothing dropped from the buffer");
            final StringBuilder failures = new StringBuilder();
            for (TestClient c : new TestClient[] {onA, onB}) {
                final String who = c == onA ? "pod A" : "pod B";
                try {
                    Pods.await(() -> received(c, syms).size() >= total, who + " to get every tick");
                } catch (AssertionError e) {
                    // reported below, with what is missing
                }
                pause(Duration.ofMillis(500)); // anything delivered twice shows up now
                final List<Integer> got = received(c, syms);
                final Map<Integer, Integer> times = new HashMap<>();
                for (int n : got) {
                    times.merge(n, 1, Integer::sum);
                }
                final List<Integer> missing = new ArrayList<>();
                final List<Integer> twice = new ArrayList<>();
                for (int n = 0; n < total; n++) {
                    final int k = times.getOrDefault(n, 0);
                    if (k == 0) {
                        missing.add(n);
                    } else if (k > 1) {
                        twice.add(n);
                    }
                }
                if (!missing.isEmpty() || !twice.isEmpty() || got.size() != total) {
                    failures.append(who + ": " + total + " published, " + got.size() + " received, missing "
                            + missing.size() + " " + head(missing) + ", more than once " + twice.size() + " "
                            + head(twice)
                            + (twice.isEmpty() ? "" : " (first: " + deliveries(c, syms, twice.get(0)) + ")")
                            + "; ");
                }
            }
            assertTrue(
                    failures.length() == 0,
                    failures + "pod A: local " + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_TICKS)
                            + ", confirmed "
                            + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) + ", diverged "
                            + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_DIVERGED));
        }
    }

    /** Tick {@code n}: its bid size is {@code n}, unique over the drill. */
    private static Tick unique(String symbol, int n) {
        final Tick t = Ticks.numbered(symbol, 0);
        t.bidSize = Decimals.ofUnits(n);
        t.fieldMask |= Tick.BID_SIZE;
        return t;
    }

    /** The unique numbers of the live ticks the client got (snapshots are not deliveries). */
    private static List<Integer> received(TestClient c, String[] syms) {
        final List<Integer> out = new ArrayList<>();
        for (String s : syms) {
            for (Tick t : c.ticks(s)) {
                if (!t.isSnapshot()) {
                    out.add((int) (t.bidSize / Decimals.ofUnits(1)));
                }
            }
        }
        return out;
    }

    /** How tick {@code n} reached the client: seq and reset flag of each delivery. */
    private static String deliveries(TestClient c, String[] syms, int n) {
        final StringBuilder b = new StringBuilder();
        for (Tick t : c.ticks(syms[n % SYMBOLS])) {
            if (!t.isSnapshot() && t.bidSize / Decimals.ofUnits(1) == n) {
                b.append(" seq ").append(t.seq).append(t.isReset() ? " reset" : "");
            }
        }
        return b.toString().trim();
    }

    /** The numbers as ranges ("3-9, 12"), at most 20 of them. */
    private static String head(List<Integer> l) {
        final StringBuilder b = new StringBuilder("[");
        int ranges = 0;
        for (int i = 0; i < l.size() && ranges < 20; ranges++) {
            int j = i;
            while (j + 1 < l.size() && l.get(j + 1) == l.get(j) + 1) {
                j++;
            }
            b.append(ranges > 0 ? ", " : "").append(l.get(i)).append(j > i ? "-" + l.get(j) : "");
            i = j + 1;
        }
        return b.append(']').toString();
    }

    private static void pause(Duration d) {
        final long until = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }
}
