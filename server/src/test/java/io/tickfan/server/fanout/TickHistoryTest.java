package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tickfan.protocol.Tick;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TickHistoryTest {
    private static final byte[] SYMBOL = "AAPL".getBytes(StandardCharsets.US_ASCII);
    private final List<EncodedTick> made = new ArrayList<>();

    private EncodedTick tick(long seq, long position, long ingestNs) {
        final Tick t = new Tick();
        t.seq = seq;
        t.ingestTimeNs = ingestNs;
        final EncodedTick e = EncodedTick.of(0, SYMBOL, t, position, Unpooled.buffer(4), Unpooled.buffer(4));
        made.add(e);
        return e;
    }

    @Test
    void shouldEvictOldestPastCapacityAndStopCoveringEvictedResumePoints() {
        final TickHistory history = new TickHistory(3, Long.MAX_VALUE / 2);
        for (int seq = 1; seq <= 5; seq++) {
            history.append(tick(seq, seq * 10, 0), 0);
        }
        assertFalse(history.coversSeq(1));
        assertTrue(history.coversSeq(2), "ticks 3..5 are all there");
        assertFalse(history.coversPosition(19));
        assertTrue(history.coversPosition(20));
        final List<EncodedTick> out = new ArrayList<>();
        assertEquals(2, history.addAfterSeq(3, out));
        assertEquals(List.of(4L, 5L), out.stream().map(EncodedTick::seq).toList());
        out.forEach(EncodedTick::release);
        history.clear();
        assertTrue(made.stream().allMatch(e -> e.refCnt() == 0), "every reference released");
    }

    @Test
    void shouldEvictTicksOlderThanTheMaximumAge() {
        final TickHistory history = new TickHistory(100, 1_000);
        history.append(tick(1, 1, 0), 0);
        history.append(tick(2, 2, 500), 500);
        history.append(tick(3, 3, 1_400), 1_400);
        assertFalse(history.coversSeq(0), "tick 1 aged out");
        assertTrue(history.coversSeq(1));
        history.evictOlderThan(2_000);
        assertFalse(history.coversSeq(1), "tick 2 aged out too");
        assertTrue(history.coversSeq(2));
        final List<EncodedTick> out = new ArrayList<>();
        history.addAfterPosition(0, out);
        assertEquals(List.of(3L), out.stream().map(EncodedTick::seq).toList());
        out.forEach(EncodedTick::release);
        history.clear();
        assertTrue(made.stream().allMatch(e -> e.refCnt() == 0));
    }

    @Test
    void shouldKeepRefusingResumePointsADivergedNumberingCovered() {
        final TickHistory history = new TickHistory(8, Long.MAX_VALUE / 2);
        for (int seq = 1; seq <= 5; seq++) {
            history.append(tick(seq, seq * 10, 0), 0);
        }
        history.refuseThrough(5);
        assertFalse(history.coversSeq(5), "the local range is refused");
        // Redis's numbering takes over at 3 and its ticks are evicted in turn: 5 stays refused.
        for (int seq = 3; seq <= 12; seq++) {
            history.append(tick(seq, 100 + seq, 0), 0);
        }
        assertFalse(history.coversSeq(5));
        assertTrue(history.coversSeq(6), "seqs from 6 on are Redis's and fully held");
        history.clear();
        assertTrue(made.stream().allMatch(e -> e.refCnt() == 0), "every reference released");
    }
}
