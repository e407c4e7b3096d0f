package io.tickfan.server.bridge;

import static io.tickfan.server.bridge.BridgeRestartDrillIT.deliveries;
import static io.tickfan.server.bridge.BridgeRestartDrillIT.distinct;
import static io.tickfan.server.bridge.BridgeRestartDrillIT.head;
import static io.tickfan.server.bridge.BridgeRestartDrillIT.pause;
import static io.tickfan.server.bridge.BridgeRestartDrillIT.received;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Issue #15 on the reading pod: Redis restarts empty again while pod B is still matching pod A's
 * resend from the restart before. Every subscriber on either pod must get every tick exactly once,
 * by content, and within each symbol seqs without a gap except at a {@code reset}.
 *
 * <p>Each of {@value #CYCLES} cycles lets pod B catch up, publishes a burst, SIGKILLs Redis and
 * restarts it empty; pod A resends what Redis may have lost (decision 0003), most of which pod B
 * delivered before. Once pod B has matched (and dropped) {@value #MATCHED_BEFORE_KILL} ticks of
 * that resend, its reader stalls (a reader starved of CPU or timing out on a loaded machine) and
 * Redis is SIGKILLed and restarted empty again; pod A then resends the same batches once more, in
 * front of the new ones. Without the kept ledger pod B matched the second resend only against what
 * its reader had taken since the first restart: the first tick it had not taken again ended the
 * re-join, and every later one it had delivered before the first restart was delivered again under
 * the new numbering (failed 3 runs of 3 on 2026-12-07, loaded: 8,765-11,058 ticks twice on pod B,
 * nothing missing). Run time 25-34 s on the shared 2-core machine (2026-12-07, load average 8-16).
 */
@Tag("fault")
class BridgeInterruptedRejoinIT {
    private static final int SYMBOLS = 10;
    private static final int CYCLES = 3;
    private static final long TICK_EVERY_NS = 1_000_000; // ~1,000 ticks/s at most, loopback, bounded
    private static final int BURST_TICKS = 500;
    private static final Duration OUTAGE = Duration.ofMillis(1000);
    /** Pod B's reader stalls once its sequencer has dropped this many resent ticks as delivered before. */
    private static final long MATCHED_BEFORE_KILL = 64;

    private static final Duration STALL_MAX = Duration.ofSeconds(20);
    private static final Duration SETTLE_MAX = Duration.ofSeconds(10);
    private static final int SETTLE_SLACK_TICKS = 20;

    @Test
    void shouldDeliverEveryTickOnceWhenRedisRestartsEmptyAgainDuringTheReadingPodsRejoin() throws Exception {
        final String[] syms = new String[SYMBOLS];
        for (int i = 0; i < SYMBOLS; i++) {
            syms[i] = "IR.S" + i;
        }
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer podA = Pods.start(redis, BridgeInterruptedRejoinIT::settings);
                TickfanServer podB = Pods.start(redis, c -> settings(c).with(ServerConfig.REDIS_READ_BATCH, 4));
                TestClient onA = TestClient.connect(Pods.ws(podA), TestTokens.valid());
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            onA.subscribeAndAwaitAck(syms);
            onB.subscribeAndAwaitAck(syms);
            final UniqueTickPublisher feed = new UniqueTickPublisher(podA, syms, TICK_EVERY_NS, "rejoin-publisher");
            final long[] matchedAtKill = new long[CYCLES];
            try {
                for (int cycle = 0; cycle < CYCLES; cycle++) {
                    pause(Duration.ofMillis(500));
                    // Pod B has (nearly) every tick so far: most of pod A's resend is then ticks it delivered.
                    settle(feed.published() - SETTLE_SLACK_TICKS, onA, onB, syms);
                    for (int i = 0; i < BURST_TICKS; i++) {
                        feed.publishOne();
                    }
                    redis.kill();
                    pause(OUTAGE);
                    final long matchedBefore = Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_CONFIRMED);
                    final CountDownLatch stalled = new CountDownLatch(1);
                    final CountDownLatch release = new CountDownLatch(1);
                    stallReaderOnce(
                            podB,
                            () -> Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) - matchedBefore
                                    >= MATCHED_BEFORE_KILL,
                            stalled,
                            release);
                    redis.start();
                    try {
                        final boolean stalledInTime = stalled.await(STALL_MAX.toMillis(), TimeUnit.MILLISECONDS);
                        assertTrue(
                                stalledInTime,
                                "pod B to match part of pod A's resend in cycle " + cycle + ": matched "
                                        + (Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_CONFIRMED)
                                                - matchedBefore));
                        matchedAtKill[cycle] =
                                Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) - matchedBefore;
                        redis.kill();
                        pause(OUTAGE);
                        redis.start();
                    } finally {
                        release.countDown();
                    }
                    Pods.await(() -> !podA.bridge().isDegraded(), "pod A to leave degraded mode");
                    settle(feed.published(), onA, onB, syms);
                }
            } finally {
                feed.stop();
            }
            final int total = feed.published();
            assertEquals(0, Pods.counter(podA, Counters.Counter.BRIDGE_DROPPED), "nothing dropped from the buffer");
            final StringBuilder failures = new StringBuilder();
            for (TestClient c : new TestClient[] {onA, onB}) {
                final String who = c == onA ? "pod A" : "pod B";
                try {
                    Pods.await(() -> distinct(c, syms) >= total, who + " to get every tick");
                } catch (AssertionError e) {
                    // reported below, with what is missing
                }
                pause(Duration.ofMillis(300)); // anything delivered twice shows up now
                final List<Integer> got = received(c, syms);
                final Tally tally = Tally.of(got, total);
                final List<Integer> missing = tally.missing();
                final List<Integer> twice = tally.twice();
                final String gaps = seqGaps(c, syms);
                if (!missing.isEmpty() || !twice.isEmpty() || got.size() != total || !gaps.isEmpty()) {
                    failures.append(who + ": " + total + " published, " + got.size() + " received, missing "
                            + missing.size() + " " + head(missing) + ", more than once " + twice.size() + " "
                            + head(twice)
                            + (twice.isEmpty() ? "" : " (first: " + deliveries(c, syms, twice.get(0)) + ")")
                            + (gaps.isEmpty() ? "" : ", seq gaps without reset:" + gaps) + "; ");
                }
            }
            final String counters = "pod B had matched " + Arrays.toString(matchedAtKill)
                    + " resent ticks at each second kill; pod A: degraded "
                    + Pods.counter(podA, Counters.Counter.BRIDGE_DEGRADED) + " times, local "
                    + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_TICKS) + ", confirmed "
                    + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) + ", diverged "
                    + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_DIVERGED) + "; pod B: confirmed "
                    + Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) + ", resets "
                    + Pods.counter(podB, Counters.Counter.BRIDGE_RESETS) + ", duplicates dropped "
                    + Pods.counter(podB, Counters.Counter.DUPLICATES_DROPPED);
            System.out.println("interrupted re-join: " + counters);
            assertTrue(failures.length() == 0, failures + counters);
        }
    }

    /** Waits (at most {@link #SETTLE_MAX}, without failing: the end counts) until both clients got {@code ticks} distinct ticks. */
    private static void settle(int ticks, TestClient onA, TestClient onB, String[] syms) {
        final long deadline = System.nanoTime() + SETTLE_MAX.toNanos();
        while (System.nanoTime() < deadline && (distinct(onA, syms) < ticks || distinct(onB, syms) < ticks)) {
            pause(Duration.ofMillis(20));
        }
    }

    private static ServerConfig settings(ServerConfig c) {
        return c.with(ServerConfig.REDIS_BATCH_TICKS, 16);
    }

    /**
     * Before each of its reads, pod B's reader checks {@code when}; the first time it holds, the
     * reader stalls until {@code release} (at most {@link #STALL_MAX}).
     */
    private static void stallReaderOnce(
            TickfanServer pod, BooleanSupplier when, CountDownLatch stalled, CountDownLatch release) {
        pod.bridge().injectIntoReaderForTest(0, new Runnable() {
            @Override
            public void run() {
                if (!when.getAsBoolean()) {
                    pod.bridge().injectIntoReaderForTest(0, this);
                    return;
                }
                stalled.countDown();
                try {
                    release.await(STALL_MAX.toMillis(), TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
    }

    /** Per symbol, live ticks whose seq does not follow the one before and carry no reset ("SYM a>b"). */
    private static String seqGaps(TestClient c, String[] syms) {
        final StringBuilder b = new StringBuilder();
        int shown = 0;
        for (String s : syms) {
            long prev = -1;
            for (Tick t : c.ticks(s)) {
                if (t.isSnapshot()) {
                    continue;
                }
                if (prev >= 0 && !t.isReset() && t.seq != prev + 1 && shown++ < 10) {
                    b.append(' ')
                            .append(s)
                            .append(' ')
                            .append(prev)
                            .append('>')
                            .append(t.seq)
                            .append(" (n ")
                            .append(t.bidSize / Decimals.ofUnits(1))
                            .append(')');
                }
                prev = t.seq;
            }
        }
        return b.toString();
    }
}
