package io.tickfan.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class RefusalsTest {
    private static String captureErr(Runnable r) {
        final PrintStream original = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(original);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static long lines(String log, String containing) {
        return log.lines().filter(l -> l.contains(containing)).count();
    }

    @Test
    void shouldLogOneLinePerReasonPerIntervalAndCountEveryRefusal() {
        final Refusals refusals = new Refusals(60_000);
        final String log = captureErr(() -> {
            for (int i = 0; i < 10_000; i++) {
                refusals.record(401, "token expired");
                refusals.record(429, "rate");
            }
        });
        assertEquals(1, lines(log, "refused 401 token expired"), log);
        assertEquals(1, lines(log, "refused 429 rate"), log);
        final Map<String, Long> totals = new HashMap<>();
        refusals.forEach((status, reason, total) -> totals.put(status + " " + reason, total));
        assertEquals(Map.of("401 token expired", 10_000L, "429 rate", 10_000L), totals);
    }

    @Test
    void shouldSayHowManyWereRefusedSinceTheLastLine() {
        final java.util.concurrent.atomic.AtomicLong nowNs = new java.util.concurrent.atomic.AtomicLong();
        final Refusals refusals = new Refusals(1, nowNs::get);
        refusals.record(401, "bad signature");
        for (int i = 0; i < 99; i++) {
            refusals.record(401, "bad signature");
        }
        nowNs.addAndGet(TimeUnit.MILLISECONDS.toNanos(5)); // past the 1 ms interval: the next refusal logs again
        final String log = captureErr(() -> refusals.record(401, "bad signature"));
        assertTrue(log.contains("in all"), log);
        assertTrue(log.contains("100 in all") || log.contains("101 in all"), log);
    }

    @Test
    void shouldBoundDistinctReasons() {
        final Refusals refusals = new Refusals(60_000);
        captureErr(() -> {
            for (int i = 0; i < 1000; i++) {
                refusals.record(401, "missing claim: c" + i);
            }
        });
        final int[] reasons = {0};
        final long[] total = {0};
        refusals.forEach((status, reason, t) -> {
            reasons[0]++;
            total[0] += t;
        });
        assertTrue(reasons[0] <= Refusals.MAX_REASONS + 1, "reasons: " + reasons[0]);
        assertEquals(1000, total[0]);
    }
}
