package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The ingest ring's records, bound and order, on one thread. */
class IngestRingTest {
    private static Tick tick(long seq) {
        final Tick t = new Tick();
        t.fieldMask = Tick.BID | Tick.ASK | Tick.LAST;
        t.seq = seq;
        t.exchangeTimeNs = 11;
        t.bid = 21;
        t.ask = 22;
        t.bidSize = 31;
        t.askSize = 32;
        t.last = 41;
        t.lastSize = 42;
        return t;
    }

    @Test
    void shouldCarryEveryFieldThroughARecord() {
        final IngestRing ring = new IngestRing(1 << 12);
        assertFalse(ring.hasPending());
        assertEquals(IngestRing.OK, ring.offer(7, tick(5), 99, 123_456));
        assertTrue(ring.hasPending());
        final List<String> seen = new ArrayList<>();
        assertEquals(
                1,
                ring.drain(
                        (symbolId, t) -> seen.add(symbolId + " " + t.fieldMask + " " + t.seq + " "
                                + t.exchangeTimeNs + " " + t.ingestTimeNs + " " + t.bid + " " + t.ask + " " + t.bidSize
                                + " "
                                + t.askSize + " " + t.last + " " + t.lastSize + " " + ring.currentPosition()),
                        10));
        assertEquals(List.of("7 " + (Tick.BID | Tick.ASK | Tick.LAST) + " 5 11 99 21 22 31 32 41 42 123456"), seen);
        assertFalse(ring.hasPending());
    }

    @Test
    void shouldRefuseWhenFullAndTakeAgainOnceDrained() {
        final IngestRing ring = new IngestRing(1 << 12);
        int accepted = 0;
        while (ring.offer(1, tick(accepted + 1), 0) == IngestRing.OK) {
            accepted++;
        }
        // 4 KiB of 96-byte records (88 plus an 8-byte header): 42 fit, then BACK_PRESSURED.
        assertEquals((1 << 12) / 96, accepted);
        assertEquals(IngestRing.BACK_PRESSURED, ring.offer(1, tick(0), 0));
        final long[] next = {1};
        assertEquals(accepted, ring.drain((id, t) -> assertEquals(next[0]++, t.seq, "FIFO"), 1000));
        assertEquals(IngestRing.OK, ring.offer(1, tick(0), 0));
    }

    @Test
    void shouldHandAtMostTheLimitPerDrain() {
        final IngestRing ring = new IngestRing(1 << 12);
        for (int i = 0; i < 10; i++) {
            ring.offer(1, tick(i), 0);
        }
        assertEquals(4, ring.drain((id, t) -> {}, 4));
        assertEquals(6, ring.drain((id, t) -> {}, 100));
    }

    @Test
    void shouldKeepControlRecordsInOrderWithTicks() {
        final IngestRing ring = new IngestRing(1 << 12);
        ring.offer(1, tick(1), 0);
        assertEquals(IngestRing.OK, ring.offerControl(9, 2, 4));
        ring.offer(1, tick(2), 0);
        final List<String> seen = new ArrayList<>();
        ring.drain(
                (id, t) -> seen.add("tick " + t.seq),
                (kind, shard, shards) -> seen.add(kind + "/" + shard + "/" + shards),
                100);
        assertEquals(List.of("tick 1", "9/2/4", "tick 2"), seen);
    }

    @Test
    void shouldCarryNoPositionUnlessGivenOne() {
        final IngestRing ring = new IngestRing(1 << 12);
        ring.offer(1, tick(1), 0, 77);
        ring.offer(1, tick(2), 0);
        final List<Long> positions = new ArrayList<>();
        ring.drain((id, t) -> positions.add(ring.currentPosition()), 10);
        assertEquals(List.of(77L, 0L), positions);
    }

    @Test
    void shouldRejectASizeThatIsNotAPowerOfTwo() {
        assertThrows(IllegalArgumentException.class, () -> new IngestRing(3000));
    }
}
