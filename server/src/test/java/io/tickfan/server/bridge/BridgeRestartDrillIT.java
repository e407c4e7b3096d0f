package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The issue #15 drill: ticks unique by content published on pod A while Redis is SIGKILLed and
 * restarted empty, {@value #ROUNDS} times; every subscriber on either pod must get every tick
 * exactly once (by content, not only by seq). The only thing a restart may cost a subscriber is a
 * {@code reset}.
 *
 * <p>Each kill comes while pod B's reader is behind pod A's: a burst of ticks, in small stream
 * entries, which pod B reads four per {@code XREAD}. Redis then loses entries that pod A has
 * delivered and pod B has not; only pod A can give them back. Each outage outlasts {@code
 * redis.rejoinResendMs} (set below its default so that the rounds fit in one run), as the issue's
 * 10 s outage outlasts the 2 s default. Left to chance (kills at random times, 1,000 ticks/s),
 * pod B lost ticks at 2 of 24 restarts on a loaded machine; set up so, it failed 2 runs of 2 before the fix.
 */
@Tag("fault")
class BridgeRestartDrillIT {
    private static final int SYMBOLS = 10;
    private static final int ROUNDS = 4;
    private static final long TICK_EVERY_NS = 1_000_000; // ~1,000 ticks/s at most, loopback, bounded
    private static final int BURST_TICKS = 500;
    /**
     * Kill once pod B's reader is this many ticks behind pod A's (or after {@link #LAG_WAIT_MAX}):
     * more than one {@code XREAD} reply of pod B's holds (4 entries of 16), which it may have
     * received already and ingest after the kill.
     */
    private static final long KILL_AT_LAG_TICKS = 100;

    private static final Duration LAG_WAIT_MAX = Duration.ofSeconds(2);
    private static final Duration OUTAGE = Duration.ofMillis(2000);
    private static final int REJOIN_RESEND_MS = 1000;
    /**
     * Before the next kill, both clients must have nearly every tick published before the restart:
     * a loaded machine needs seconds to drain a resend, and a Redis killed again in the middle of it
     * is a different drill. Nearly: a lost tick must not stall the drill (the end counts it).
     */
    private static final int SETTLE_SLACK_TICKS = 50;

    private static final Duration SETTLE_MAX = Duration.ofSeconds(10);

    @Test
    void shouldDeliverEveryTickExactlyOnceOnBothPodsAcrossEmptyRestarts() throws Exception {
        final String[] syms = new String[SYMBOLS];
        for (int i = 0; i < SYMBOLS; i++) {
            syms[i] = "DR.S" + i;
        }
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer podA = Pods.start(redis, c -> drillSettings(c));
                TickfanServer podB = Pods.start(redis, c -> drillSettings(c).with(ServerConfig.REDIS_READ_BATCH, 4));
                TestClient onA = TestClient.connect(Pods.ws(podA), TestTokens.valid());
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            onA.subscribeAndAwaitAck(syms);
            onB.subscribeAndAwaitAck(syms);
            final UniqueTickPublisher feed = new UniqueTickPublisher(podA, syms, TICK_EVERY_NS, "drill-publisher");
            final int[] killedAt = new int[ROUNDS];
            final long[] lagAtKill = new long[ROUNDS];
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    pause(Duration.ofMillis(300));
                    for (int i = 0; i < BURST_TICKS; i++) {
                        feed.publishOne();
                    }
                    final long lagBefore = readLag(podA, podB);
                    final long lagDeadline = System.nanoTime() + LAG_WAIT_MAX.toNanos();
                    while (readLag(podA, podB) - lagBefore < KILL_AT_LAG_TICKS && System.nanoTime() < lagDeadline) {
                        LockSupport.parkNanos(100_000); // not a spin: pod B's reader needs the core
                    }
                    killedAt[round] = feed.published();
                    redis.kill();
                    lagAtKill[round] = readLag(podA, podB) - lagBefore;
                    pause(OUTAGE);
                    final int publishedAtRestart = feed.published();
                    redis.start();
                    Pods.await(() -> !podA.bridge().isDegraded(), "pod A to leave degraded mode");
                    settle(publishedAtRestart - SETTLE_SLACK_TICKS, onA, onB, syms);
                }
                pause(Duration.ofMillis(700));
            } finally {
                feed.stop();
            }
            final int total = feed.published();
            System.out.println("drill: pod B's reader fell behind pod A's before each kill by "
                    + Arrays.toString(lagAtKill) + " ticks");
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
                final Tally tally = Tally.of(got, total);
                final List<Integer> missing = tally.missing();
                final List<Integer> twice = tally.twice();
                if (!missing.isEmpty() || !twice.isEmpty() || got.size() != total) {
                    failures.append(who + ": " + total + " published, " + got.size() + " received, missing "
                            + missing.size() + " " + head(missing) + " (rounds " + rounds(missing, killedAt)
                            + "), more than once " + twice.size() + " " + head(twice) + " (rounds "
                            + rounds(twice, killedAt) + ")"
                            + (twice.isEmpty() ? "" : " (first: " + deliveries(c, syms, twice.get(0)) + ")")
                            + "; ");
                }
            }
            assertTrue(
                    failures.length() == 0,
                    failures + "pod B's reader fell behind pod A's before each kill by " + Arrays.toString(lagAtKill)
                            + " ticks; pod A: local " + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_TICKS)
                            + ", confirmed "
                            + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) + ", diverged "
                            + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_DIVERGED) + ", degraded "
                            + Pods.counter(podA, Counters.Counter.BRIDGE_DEGRADED) + " times, duplicate batches "
                            + Pods.counter(podA, Counters.Counter.BRIDGE_DUPLICATE_BATCHES) + "; pod B: confirmed "
                            + Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) + ", resets "
                            + Pods.counter(podB, Counters.Counter.BRIDGE_RESETS) + ", seq regressions "
                            + Pods.counter(podB, Counters.Counter.SEQ_REGRESSIONS) + ", duplicates dropped "
                            + Pods.counter(podB, Counters.Counter.DUPLICATES_DROPPED));
        }
    }

    /** Small stream entries, so a burst is many of them for pod B's reader. */
    private static ServerConfig drillSettings(ServerConfig c) {
        return c.with(ServerConfig.REDIS_REJOIN_RESEND_MS, REJOIN_RESEND_MS).with(ServerConfig.REDIS_BATCH_TICKS, 16);
    }

    /**
     * Ticks pod A's reader has taken from Redis less those pod B's has: both read every entry, but
     * the difference drifts across restarts, so only its change over a few ms says who is behind.
     */
    private static long readLag(TickfanServer podA, TickfanServer podB) {
        return Pods.counter(podA, Counters.Counter.BRIDGE_READ) - Pods.counter(podB, Counters.Counter.BRIDGE_READ);
    }

    /** Waits (at most {@link #SETTLE_MAX}, without failing) until every client got {@code ticks} distinct ticks. */
    private static void settle(int ticks, TestClient onA, TestClient onB, String[] syms) {
        final long deadline = System.nanoTime() + SETTLE_MAX.toNanos();
        while (System.nanoTime() < deadline
                && (new HashSet<>(received(onA, syms)).size() < ticks
                        || new HashSet<>(received(onB, syms)).size() < ticks)) {
            pause(Duration.ofMillis(20));
        }
    }

    /** The rounds (from 0) whose kill came nearest to each of {@code ticks}, distinct. */
    private static String rounds(List<Integer> ticks, int[] killedAt) {
        final TreeSet<Integer> out = new TreeSet<>();
        for (int n : ticks) {
            int nearest = 0;
            for (int r = 1; r < killedAt.length; r++) {
                if (Math.abs(killedAt[r] - n) < Math.abs(killedAt[nearest] - n)) {
                    nearest = r;
                }
            }
            out.add(nearest);
        }
        return out.toString();
    }

    /** Tick {@code n}: its bid size is {@code n}, unique over the drill. */
    static Tick unique(String symbol, int n) {
        final Tick t = Ticks.numbered(symbol, 0);
        t.bidSize = Decimals.ofUnits(n);
        t.fieldMask |= Tick.BID_SIZE;
        return t;
    }

    /** The unique numbers of the live ticks the client got (snapshots are not deliveries). */
    static List<Integer> received(TestClient c, String[] syms) {
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

    /** How many of the drill's ticks the client got, each counted once. */
    static int distinct(TestClient c, String[] syms) {
        return (int) received(c, syms).stream().distinct().count();
    }

    /** How tick {@code n} reached the client: seq and reset flag of each delivery. */
    static String deliveries(TestClient c, String[] syms, int n) {
        final StringBuilder b = new StringBuilder();
        for (Tick t : c.ticks(syms[n % SYMBOLS])) {
            if (!t.isSnapshot() && t.bidSize / Decimals.ofUnits(1) == n) {
                b.append(" seq ").append(t.seq).append(t.isReset() ? " reset" : "");
            }
        }
        return b.toString().trim();
    }

    /** The numbers as ranges ("3-9, 12"), at most 20 of them. */
    static String head(List<Integer> l) {
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

    static void pause(Duration d) {
        final long until = System.nanoTime() + d.toNanos();
        while (System.nanoTime() < until) {
            LockSupport.parkNanos(until - System.nanoTime());
        }
    }
}
