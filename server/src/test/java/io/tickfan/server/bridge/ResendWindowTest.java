package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tickfan.protocol.Tick;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ResendWindowTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private static AppendBatch batch(long number, int ticks) {
        final ArrayDeque<PendingTick> t = new ArrayDeque<>();
        for (int i = 0; i < ticks; i++) {
            t.add(new PendingTick(0, "S", new Tick()));
        }
        return new AppendBatch(number, t);
    }

    private static List<Long> numbers(ArrayDeque<AppendBatch> batches) {
        final List<Long> n = new ArrayList<>();
        batches.forEach(b -> n.add(b.number));
        return n;
    }

    private static List<Long> unread(ResendWindow w) {
        final List<Long> n = new ArrayList<>();
        w.unread().forEach(b -> n.add(b.number));
        return n;
    }

    @Test
    void shouldKeepAppliedBatchesUnreadUntilTheReaderReadThemBack() {
        final ResendWindow w = new ResendWindow(100, 1000, 100);
        w.applied(batch(1, 2));
        w.applied(batch(2, 2));
        w.applied(batch(3, 2));
        w.advance(2, true, 0);
        assertEquals(List.of(3L), unread(w));
    }

    @Test
    void shouldForgetTheOldestUnreadBatchesPastTheBoundButKeepOne() {
        final ResendWindow w = new ResendWindow(5, 1000, 100);
        w.applied(batch(1, 3));
        w.applied(batch(2, 3));
        assertEquals(List.of(2L), unread(w));
        w.applied(batch(3, 9));
        assertEquals(List.of(3L), unread(w));
    }

    @Test
    void shouldResendReadLatelyThenUnreadInRedisOrderBeforeWhatWaitsAlready() {
        final ResendWindow w = new ResendWindow(100, 1000, 100);
        w.applied(batch(1, 1));
        w.applied(batch(2, 1));
        w.applied(batch(3, 1));
        w.advance(2, true, 0);
        final ArrayDeque<AppendBatch> retry = new ArrayDeque<>();
        retry.add(batch(4, 1));
        assertEquals(3, w.moveTo(retry));
        assertEquals(List.of(1L, 2L, 3L, 4L), numbers(retry));
        assertEquals(0, w.moveTo(new ArrayDeque<>()));
    }

    @Test
    void shouldAgeReadLatelyBatchesAgainstTheClockWhileAppendsFlow() {
        final ResendWindow w = new ResendWindow(100, 1000, 100);
        w.applied(batch(1, 1));
        w.advance(1, true, 0);
        w.advance(1, true, 999 * MS);
        final ArrayDeque<AppendBatch> kept = new ArrayDeque<>();
        w.moveTo(kept);
        assertEquals(List.of(1L), numbers(kept));

        w.applied(batch(2, 1));
        w.advance(2, true, 0);
        w.advance(2, true, 1001 * MS);
        final ArrayDeque<AppendBatch> aged = new ArrayDeque<>();
        assertEquals(0, w.moveTo(aged));
    }

    @Test
    void shouldStopAgingWhileAppendsDoNotFlowSoALongOutageKeepsTheWindow() {
        final ResendWindow w = new ResendWindow(100, 1000, 100);
        w.applied(batch(1, 1));
        w.advance(1, true, 0);
        w.advance(1, false, 10 * MS); // Redis lost here
        w.advance(1, false, 60_000 * MS); // a minute later, still away
        final ArrayDeque<AppendBatch> retry = new ArrayDeque<>();
        assertEquals(1, w.moveTo(retry));
    }

    @Test
    void shouldKeepAtMostHalfTheRejoinMatchTicksReadLately() {
        final ResendWindow w = new ResendWindow(100, 1000, 10);
        w.applied(batch(1, 3));
        w.applied(batch(2, 3));
        w.advance(2, true, 0);
        final ArrayDeque<AppendBatch> retry = new ArrayDeque<>();
        w.moveTo(retry);
        assertEquals(List.of(2L), numbers(retry));
    }
}
