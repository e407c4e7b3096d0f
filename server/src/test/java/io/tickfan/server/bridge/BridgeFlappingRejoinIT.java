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
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Decision 0003's last "nothing twice" case of issue #15: after Redis restarted empty, appends
 * answered slower than {@code redis.degradedAfterMs} (200 ms here) while pod A re-joins, so pod A
 * drops in and out of degraded mode. Every subscriber on either pod must still get every tick
 * exactly once, by content.
 *
 * <p>Each of {@value #ROUNDS} rounds SIGKILLs Redis for a second and restarts it empty; once pod A
 * has resent, {@value #FLAPS} times: pod A's reader stalls ({@link #READER_STALL}, as a reader
 * starved of CPU on a loaded machine), a burst is appended that it has not read back, Redis answers
 * no write for {@value #PAUSE_MS} ms ({@code CLIENT PAUSE ... WRITE}; reads go on), so pod A turns
 * degraded and hands those batches to its own ring, and leaves degraded mode once appends flow.
 * The one test hook, {@code delayNextLocalBatchForTest}, parks pod A's writer right after it judged
 * the first such batch not read back ({@link #WRITER_DESCHEDULED}, a writer descheduled at that
 * moment), so the reader, awake again, takes the batch meanwhile. Before the fix the writer then
 * offered its local copies after Redis's: each delivered twice, the local numbering off by their
 * count, and at Redis's next tick {@code BRIDGE_LOCAL_DIVERGED}, a {@code reset} and every local tick
 * not read back yet delivered again (3 runs of 3 failed on 2026-12-07, 1,438-3,769 ticks twice on
 * pod A, diverged 37-93; load average 12-15).
 */
@Tag("fault")
class BridgeFlappingRejoinIT {
    private static final int SYMBOLS = 10;
    private static final int ROUNDS = 3;
    private static final long TICK_EVERY_NS = 1_000_000; // ~1,000 ticks/s at most, loopback, bounded
    private static final int BURST_TICKS = 500;
    private static final int DEGRADED_AFTER_MS = 200;
    private static final int PAUSE_MS = 300;
    private static final int FLOW_MS = 200;
    private static final int FLAPS = 4;
    private static final Duration WRITER_DESCHEDULED = Duration.ofMillis(200);
    private static final Duration READER_STALL = Duration.ofMillis(320);
    private static final int FLAP_BURST_TICKS = 100;
    private static final Duration OUTAGE = Duration.ofMillis(1000);
    private static final Duration SETTLE_MAX = Duration.ofSeconds(10);

    @Test
    void shouldDeliverEveryTickExactlyOnceWhenAppendsStallWhileRejoining() throws Exception {
        final String[] syms = new String[SYMBOLS];
        for (int i = 0; i < SYMBOLS; i++) {
            syms[i] = "FL.S" + i;
        }
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer podA = Pods.start(redis, BridgeFlappingRejoinIT::settings);
                TickfanServer podB = Pods.start(redis, c -> settings(c).with(ServerConfig.REDIS_READ_BATCH, 4));
                TestClient onA = TestClient.connect(Pods.ws(podA), TestTokens.valid());
                TestClient onB = TestClient.connect(Pods.ws(podB), TestTokens.valid())) {
            onA.subscribeAndAwaitAck(syms);
            onB.subscribeAndAwaitAck(syms);
            final UniqueTickPublisher feed = new UniqueTickPublisher(podA, syms, TICK_EVERY_NS, "flap-publisher");
            final AtomicInteger raced = new AtomicInteger();
            try {
                for (int round = 0; round < ROUNDS; round++) {
                    pause(Duration.ofMillis(300));
                    for (int i = 0; i < BURST_TICKS; i++) {
                        feed.publishOne();
                    }
                    redis.kill();
                    pause(OUTAGE);
                    redis.start();
                    Pods.await(() -> podA.bridge().bufferedTicks() < FLAP_BURST_TICKS, "pod A to resend");
                    for (int flap = 0; flap < FLAPS; flap++) {
                        final CountDownLatch stalled = new CountDownLatch(1);
                        podA.bridge().injectIntoReaderForTest(0, () -> {
                            stalled.countDown();
                            pause(READER_STALL);
                        });
                        assertTrue(stalled.await(5, TimeUnit.SECONDS), "pod A's reader to stall");
                        for (int i = 0; i < FLAP_BURST_TICKS; i++) {
                            feed.publishOne();
                        }
                        pause(Duration.ofMillis(20)); // appended, not read back
                        podA.bridge().delayNextLocalBatchForTest(0, WRITER_DESCHEDULED.toNanos());
                        redis.pauseWrites(PAUSE_MS);
                        pause(Duration.ofMillis(PAUSE_MS + FLOW_MS));
                        if (!podA.bridge().localBatchDelayPendingForTest(0)) {
                            raced.incrementAndGet();
                        }
                    }
                    Pods.await(() -> !podA.bridge().isDegraded(), "pod A to leave degraded mode");
                    final int target = feed.published();
                    final long deadline = System.nanoTime() + SETTLE_MAX.toNanos();
                    while (System.nanoTime() < deadline
                            && (distinct(onA, syms) < target || distinct(onB, syms) < target)) {
                        pause(Duration.ofMillis(20));
                    }
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
                if (!missing.isEmpty() || !twice.isEmpty() || got.size() != total) {
                    failures.append(who + ": " + total + " published, " + got.size() + " received, missing "
                            + missing.size() + " " + head(missing) + ", more than once " + twice.size() + " "
                            + head(twice)
                            + (twice.isEmpty() ? "" : " (first: " + deliveries(c, syms, twice.get(0)) + ")")
                            + (twice.isEmpty()
                                    ? ""
                                    : " around it: " + around(c, syms[twice.get(0) % SYMBOLS], twice.get(0)))
                            + "; ");
                }
            }
            final String counters = "pod A: degraded " + Pods.counter(podA, Counters.Counter.BRIDGE_DEGRADED)
                    + " times, local " + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_TICKS) + ", confirmed "
                    + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_CONFIRMED) + ", diverged "
                    + Pods.counter(podA, Counters.Counter.BRIDGE_LOCAL_DIVERGED) + ", duplicate batches "
                    + Pods.counter(podA, Counters.Counter.BRIDGE_DUPLICATE_BATCHES) + ", duplicates dropped "
                    + Pods.counter(podA, Counters.Counter.DUPLICATES_DROPPED) + ", seq regressions "
                    + Pods.counter(podA, Counters.Counter.SEQ_REGRESSIONS) + "; pod B: confirmed "
                    + Pods.counter(podB, Counters.Counter.BRIDGE_LOCAL_CONFIRMED);
            System.out.println("flapping re-join: writer parked after its check " + raced + " times; " + counters);
            assertTrue(failures.length() == 0, failures + counters);
            assertTrue(
                    Pods.counter(podA, Counters.Counter.BRIDGE_DEGRADED) >= 2L * ROUNDS,
                    "pod A should drop in and out of degraded mode: " + counters);
            assertTrue(
                    raced.get() >= ROUNDS,
                    "pod A's writer should have handed a batch to its ring on turning degraded, parked, " + raced
                            + " times");
        }
    }

    private static ServerConfig settings(ServerConfig c) {
        return c.with(ServerConfig.REDIS_DEGRADED_AFTER_MS, DEGRADED_AFTER_MS)
                .with(ServerConfig.REDIS_REJOIN_RESEND_MS, 1000)
                .with(ServerConfig.REDIS_BATCH_TICKS, 16);
    }

    /** Deliveries of {@code sym} around tick {@code n}: number@seq, R for reset. */
    private static String around(TestClient c, String sym, int n) {
        final StringBuilder b = new StringBuilder();
        final List<Tick> ts = c.ticks(sym);
        int at = 0;
        for (int i = 0; i < ts.size(); i++) {
            if (ts.get(i).bidSize / Decimals.ofUnits(1) == n) {
                at = i;
                break;
            }
        }
        for (int i = Math.max(0, at - 5); i < Math.min(ts.size(), at + 15); i++) {
            final Tick t = ts.get(i);
            b.append(' ')
                    .append(t.bidSize / Decimals.ofUnits(1))
                    .append('@')
                    .append(t.seq)
                    .append(t.isReset() ? "R" : "")
                    .append(t.isSnapshot() ? "S" : "");
        }
        return b.toString();
    }
}
