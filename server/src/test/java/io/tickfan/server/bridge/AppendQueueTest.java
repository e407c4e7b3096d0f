package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AppendQueueTest {
    private static PendingTick tick(long bid) {
        final Tick t = new Tick();
        t.bid = bid;
        return new PendingTick(0, "S", t);
    }

    private static List<Long> bids(AppendBatch b) {
        final List<Long> l = new ArrayList<>();
        b.ticks.forEach(p -> l.add(p.tick.bid));
        return l;
    }

    @Test
    void shouldCutNumberedBatchesInPublishOrder() {
        final AppendQueue q = new AppendQueue(100, new Counters(1));
        for (int i = 1; i <= 5; i++) {
            q.add(tick(i));
        }
        final AppendBatch first = q.next(2);
        final AppendBatch second = q.next(2);
        assertEquals(1, first.number);
        assertEquals(List.of(1L, 2L), bids(first));
        assertEquals(2, second.number);
        assertEquals(List.of(3L, 4L), bids(second));
        assertEquals(1, q.backlog());
    }

    @Test
    void shouldResendAFailedBatchAndThoseInFlightBehindItFirstWithTheirNumbers() {
        final AppendQueue q = new AppendQueue(100, new Counters(1));
        for (int i = 1; i <= 4; i++) {
            q.add(tick(i));
        }
        final AppendBatch failed = q.next(1);
        final ArrayDeque<AppendBatch> inFlight = new ArrayDeque<>(List.of(q.next(1), q.next(1)));
        q.resend(failed, inFlight);
        assertTrue(inFlight.isEmpty());
        assertEquals(4, q.backlog());
        assertEquals(1, q.next(1).number);
        assertEquals(2, q.next(1).number);
        assertEquals(3, q.next(1).number);
        final AppendBatch fresh = q.next(1);
        assertEquals(4, fresh.number);
        assertEquals(List.of(4L), bids(fresh));
    }

    @Test
    void shouldDropTheOldestTicksPastTheBoundResendsFirstAndCountThem() {
        final Counters counters = new Counters(1);
        final AppendQueue q = new AppendQueue(3, counters);
        q.add(tick(1));
        q.add(tick(2));
        final AppendBatch b = q.next(2);
        q.resend(b, new ArrayDeque<>());
        q.add(tick(3));
        q.add(tick(4));
        q.add(tick(5));
        assertEquals(3, q.backlog());
        assertEquals(2, counters.get(Counters.Counter.BRIDGE_DROPPED));
        assertEquals(List.of(3L, 4L, 5L), bids(q.next(10)));
    }
}
