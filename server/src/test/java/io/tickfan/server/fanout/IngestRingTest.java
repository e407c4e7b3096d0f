package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The ingest ring's records, bound and order: on one thread, across its wrap-around, and with two producers. */
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

    @Test
    void shouldCarryRecordsIntactAcrossTheEndOfTheBufferManyTimes() {
        final IngestRing ring = new IngestRing(1 << 12);
        final List<String> seen = new ArrayList<>();
        final IngestRing.TickHandler ticks = (id, t) -> seen.add(id + ":" + t.seq + ":" + t.bid + ":" + t.lastSize + ":"
                + t.ingestTimeNs + "@" + ring.currentPosition());
        final IngestRing.ControlHandler controls = (kind, shard, shards) -> seen.add("c" + kind + "/" + shard);
        long seq = 0;
        int shortDrains = 0;
        // 7 ticks (96 bytes each) and a control record (24) per round: the write position lands on
        // every offset, and Agrona pads the end of the 4 KiB buffer when a record does not fit there.
        for (int round = 0; round < 200; round++) {
            final List<String> expected = new ArrayList<>();
            for (int i = 0; i < 7; i++) {
                seq++;
                final Tick t = tick(seq);
                t.bid = seq * 3;
                t.lastSize = -seq;
                assertEquals(IngestRing.OK, ring.offer((int) (seq % 5), t, seq * 7, seq * 11));
                expected.add((seq % 5) + ":" + seq + ":" + seq * 3 + ":" + -seq + ":" + seq * 7 + "@" + seq * 11);
            }
            assertEquals(IngestRing.OK, ring.offerControl(round, round % 3, 3));
            expected.add("c" + round + "/" + round % 3);
            seen.clear();
            final int first = ring.drain(ticks, controls, 100);
            if (first < 8) {
                shortDrains++; // one drain stops at the end of the buffer; the next goes on from its start
                assertEquals(8 - first, ring.drain(ticks, controls, 100));
            }
            assertEquals(expected, seen, "round " + round);
            assertFalse(ring.hasPending());
        }
        assertTrue(shortDrains > 10, "the rounds crossed the end of the buffer " + shortDrains + " times");
    }

    @Test
    void shouldRefuseAControlRecordOnAFullRingAndWriteNothing() {
        final IngestRing ring = new IngestRing(1 << 12);
        int ticks = 0;
        while (ring.offer(1, tick(ticks + 1), 0) == IngestRing.OK) {
            ticks++;
        }
        int controls = 0;
        while (ring.offerControl(1, controls, 0) == IngestRing.OK) {
            controls++; // a control record is smaller than a tick: some fit where no tick does
        }
        assertEquals(IngestRing.BACK_PRESSURED, ring.offerControl(1, 99, 0));
        assertEquals(IngestRing.BACK_PRESSURED, ring.offer(1, tick(99), 0));
        final List<Integer> shards = new ArrayList<>();
        final long[] ticksSeen = {0};
        assertEquals(
                ticks + controls,
                ring.drain((id, t) -> ticksSeen[0]++, (kind, shard, shardCount) -> shards.add(shard), 1000));
        assertEquals(ticks, ticksSeen[0]);
        assertEquals(controls, shards.size());
        assertFalse(shards.contains(99), "a refused record was not written");
        assertEquals(IngestRing.OK, ring.offerControl(1, 100, 0), "room again once drained");
    }

    @Test
    void shouldLoseNoTickAndKeepEachProducersOrderUnderConcurrentProducers() throws Exception {
        final IngestRing ring = new IngestRing(1 << 12);
        final int perProducer = 20_000;
        final int producers = 2;
        final List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            final int id = p;
            final Thread t = new Thread(
                    () -> {
                        final Tick tick = tick(0);
                        for (long seq = 1; seq <= perProducer; seq++) {
                            tick.seq = seq;
                            tick.bid = seq * 2;
                            while (ring.offer(id, tick, 0) == IngestRing.BACK_PRESSURED) {
                                Thread.onSpinWait();
                            }
                        }
                    },
                    "test-producer-" + p);
            threads.add(t);
            t.start();
        }
        final long[] last = new long[producers];
        final long[] received = {0};
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (received[0] < (long) producers * perProducer) {
            ring.drain(
                    (id, t) -> {
                        assertEquals(last[id] + 1, t.seq, "producer " + id + " in order, nothing lost");
                        assertEquals(t.seq * 2, t.bid, "not torn");
                        last[id] = t.seq;
                        received[0]++;
                    },
                    64);
            assertTrue(System.nanoTime() < deadlineNs, "drained " + received[0]);
        }
        for (Thread t : threads) {
            t.join();
        }
        assertFalse(ring.hasPending());
        for (int p = 0; p < producers; p++) {
            assertEquals(perProducer, last[p]);
        }
    }
}
