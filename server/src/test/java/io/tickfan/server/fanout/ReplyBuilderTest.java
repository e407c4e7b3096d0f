package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBufAllocator;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a subscribe gets before the live stream, built from symbol states filled by hand the way the
 * sequencer fills them (one position space, standalone numbering): no thread, no queue, no engine.
 */
class ReplyBuilderTest {
    private static final byte[] EPOCH = ascii("epoch1");
    private static final byte[] LOCAL_EPOCH = ascii("local1");
    private static final int HISTORY = 4;
    private static final long MAX_AGE_NS = TimeUnit.SECONDS.toNanos(60);
    private static final int SNAPSHOT = Tick.FLAG_SNAPSHOT;
    private static final int RESET = Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET;

    private final SymbolState[] states = new SymbolState[8];
    private final long[] frontier = new long[1];
    private final Counters counters = new Counters(1);
    private final ReplyBuilder builder =
            new ReplyBuilder(ByteBufAllocator.DEFAULT, id -> states[id], frontier, LOCAL_EPOCH, counters, 0);
    private final List<SubscribeReply> built = new ArrayList<>();
    private long order;
    private long nowNs = 1_000_000_000L;

    @AfterEach
    void release() {
        built.forEach(SubscribeReply::release);
        for (SymbolState st : states) {
            if (st != null) {
                st.history.clear();
                if (st.cachedSnapshot != null) {
                    st.cachedSnapshot.release();
                }
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private SymbolState symbol(int id, String name) {
        states[id] = new SymbolState(id, name, ascii(name), 1, new TickHistory(HISTORY, MAX_AGE_NS), frontier.length);
        return states[id];
    }

    /** What the sequencer does with a tick numbered here: seq, position, merge, encode once, history. */
    private void sequence(SymbolState st, long bid) {
        final Tick update = new Tick();
        update.symbol = st.last.symbol;
        update.fieldMask = Tick.BID;
        update.bid = bid;
        update.ingestTimeNs = nowNs;
        st.last.mergeFrom(update);
        st.last.seq = st.seq() + 1;
        st.lastPosition = ++frontier[st.shard];
        st.lastOrder = ++order;
        if (st.cachedSnapshot != null) {
            st.cachedSnapshot.release();
            st.cachedSnapshot = null;
        }
        st.history.append(builder.encodeLast(st, 0, EPOCH), nowNs);
    }

    private SubscribeReply subscribe(int[] ids, long[] since, long[] sincePositions, boolean epochMatches) {
        final SubscribeReply reply = builder.reply(
                Command.subscribe(0, ids, null, since, sincePositions, epochMatches, null), null, EPOCH, nowNs);
        built.add(reply);
        return reply;
    }

    private SubscribeReply subscribe(int... ids) {
        final long[] since = new long[ids.length];
        java.util.Arrays.fill(since, ClientMessage.NO_SINCE);
        return subscribe(ids, since, null, true);
    }

    private SubscribeReply resume(int id, long since, boolean epochMatches) {
        return subscribe(new int[] {id}, new long[] {since}, null, epochMatches);
    }

    /** {@code symbol:seq:flags} per tick, in reply order. */
    private static List<String> describe(SubscribeReply reply) {
        final List<String> out = new ArrayList<>();
        for (EncodedTick t : reply.ticks) {
            out.add(t.tick().symbol + ":" + t.seq() + ":" + t.flags());
        }
        return out;
    }

    private static String sseId(EncodedTick t) {
        final String event = t.sseEvent().toString(StandardCharsets.US_ASCII);
        return event.substring(event.indexOf("id: ") + 4, event.indexOf('\n'));
    }

    @Test
    void shouldSnapshotEverySymbolInSequencingOrderOnAPlainSubscribe() {
        final SymbolState a = symbol(0, "A");
        final SymbolState b = symbol(1, "B");
        sequence(a, 100);
        sequence(b, 200);
        sequence(a, 101);
        final SubscribeReply reply = subscribe(0, 1);
        assertEquals(List.of("B:1:" + SNAPSHOT, "A:2:" + SNAPSHOT), describe(reply));
        assertEquals(101, reply.ticks[1].tick().bid, "the merged last value");
        assertArrayEquals(new long[] {3}, reply.positions, "the live stream follows position 3");
        assertSame(EPOCH, reply.epochAscii);
        assertEquals("epoch1-3", sseId(reply.ticks[1]));
    }

    @Test
    void shouldShareOneSnapshotBetweenSubscribesUntilTheNextTick() {
        final SymbolState a = symbol(0, "A");
        sequence(a, 100);
        final EncodedTick first = subscribe(0).ticks[0];
        assertSame(first, subscribe(0).ticks[0], "a subscribe storm encodes the snapshot once");
        sequence(a, 101);
        final EncodedTick after = subscribe(0).ticks[0];
        assertEquals(2, after.seq());
        assertEquals(101, after.tick().bid);
    }

    @Test
    void shouldReplayTheTicksAfterTheResumeSeqWhileHistoryCoversIt() {
        final SymbolState a = symbol(0, "A");
        for (int i = 0; i < 4; i++) {
            sequence(a, 100 + i);
        }
        assertEquals(List.of("A:3:0", "A:4:0"), describe(resume(0, 2, true)));
        assertEquals(2, counters.get(Counters.Counter.REPLAYED));
        assertEquals(List.of(), describe(resume(0, 4, true)), "up to date: nothing to replay");
        assertEquals(0, counters.get(Counters.Counter.RESETS));
    }

    @Test
    void shouldResetWhenTheResumeSeqFellOutOfHistory() {
        final SymbolState a = symbol(0, "A");
        for (int i = 0; i < HISTORY + 3; i++) {
            sequence(a, 100 + i);
        }
        // History keeps seqs 4..7: a client holding 3 misses nothing, one holding 2 missed seq 3.
        assertEquals(List.of("A:4:0", "A:5:0", "A:6:0", "A:7:0"), describe(resume(0, 3, true)));
        assertEquals(List.of("A:7:" + RESET), describe(resume(0, 2, true)));
        assertEquals(1, counters.get(Counters.Counter.RESETS));
    }

    @Test
    void shouldResetWhenTheResumeSeqOutlivedHistorysAgeBound() {
        final SymbolState a = symbol(0, "A");
        sequence(a, 100);
        sequence(a, 101);
        nowNs += MAX_AGE_NS + 1;
        assertEquals(List.of("A:2:" + RESET), describe(resume(0, 1, true)));
    }

    @Test
    void shouldResetAResumePointOfAnotherEpochEvenIfItsSeqIsInHistory() {
        final SymbolState a = symbol(0, "A");
        sequence(a, 100);
        sequence(a, 101);
        assertEquals(List.of("A:2:" + RESET), describe(resume(0, 1, false)));
    }

    @Test
    void shouldResetAResumePointAheadOfTheSymbol() {
        final SymbolState a = symbol(0, "A");
        sequence(a, 100);
        assertEquals(List.of("A:1:" + RESET), describe(resume(0, 9, true)));
    }

    @Test
    void shouldResetAResumePointInARefusedRange() {
        final SymbolState a = symbol(0, "A");
        for (int i = 0; i < 3; i++) {
            sequence(a, 100 + i);
        }
        a.refusedFrom = 1;
        a.refusedTo = 1;
        assertEquals(List.of("A:3:" + RESET), describe(resume(0, 1, true)), "another pod numbered seq 1 alone");
        assertEquals(List.of("A:3:0"), describe(resume(0, 2, true)));
    }

    @Test
    void shouldResetEverySymbolAfterARestart() {
        final SymbolState a = symbol(0, "A");
        final SymbolState b = symbol(1, "B");
        symbol(2, "C"); // interest only: never published since the restart
        sequence(b, 200);
        sequence(a, 100);
        // The client's resume points are of the epoch before the restart.
        final SubscribeReply reply = subscribe(new int[] {0, 1, 2}, new long[] {5, 1, 3}, null, false);
        assertEquals(List.of("C:0:" + RESET, "B:1:" + RESET, "A:1:" + RESET), describe(reply));
        assertEquals(0, reply.ticks[0].tick().fieldMask, "the interest-only symbol's reset holds no value");
        assertEquals(3, counters.get(Counters.Counter.RESETS));
    }

    @Test
    void shouldSendNothingForAnInterestOnlySymbolUnlessTheClientHoldsForeignState() {
        symbol(2, "C");
        assertEquals(List.of(), describe(subscribe(2)), "no value yet: no snapshot");
        assertEquals(List.of(), describe(resume(2, 0, true)), "a client that has nothing of it misses nothing");
        assertEquals(List.of("C:0:" + RESET), describe(resume(2, 4, true)), "a seq this numbering never gave");
        assertEquals(
                List.of(),
                describe(subscribe(new int[] {2}, new long[] {ClientMessage.NO_SINCE}, new long[] {0}, true)));
    }

    @Test
    void shouldReplayByPositionAcrossSymbolsInPositionOrder() {
        final SymbolState a = symbol(0, "A");
        final SymbolState b = symbol(1, "B");
        sequence(a, 100); // position 1
        sequence(b, 200); // 2
        sequence(a, 101); // 3
        sequence(b, 201); // 4
        final SubscribeReply reply = subscribe(
                new int[] {0, 1}, new long[] {ClientMessage.NO_SINCE, ClientMessage.NO_SINCE}, new long[] {2}, true);
        assertEquals(List.of("A:2:0", "B:2:0"), describe(reply));
        assertEquals("epoch1-3", sseId(reply.ticks[0]));
        assertEquals("epoch1-4", sseId(reply.ticks[1]));
    }

    @Test
    void shouldResetEverySymbolOfTheSpaceWhenOnePositionIsLost() {
        final SymbolState a = symbol(0, "A");
        final SymbolState b = symbol(1, "B");
        sequence(b, 200); // position 1
        for (int i = 0; i < HISTORY + 1; i++) {
            sequence(a, 100 + i); // positions 2..6: A's history lost position 2
        }
        sequence(b, 201); // 7
        final SubscribeReply reply = subscribe(
                new int[] {0, 1}, new long[] {ClientMessage.NO_SINCE, ClientMessage.NO_SINCE}, new long[] {1}, true);
        // B's replay would do alone, but one id cannot say "B complete, A not": both get reset.
        assertEquals(List.of("A:5:" + RESET, "B:2:" + RESET), describe(reply));
        assertEquals("epoch1-1", sseId(reply.ticks[0]), "held at the resume point until the last reset");
        assertEquals("epoch1-7", sseId(reply.ticks[1]), "the last reset carries the pod's position");
        assertEquals(2, counters.get(Counters.Counter.RESETS));
        assertEquals(0, counters.get(Counters.Counter.REPLAYED), "B's dropped replay is not counted");
    }

    @Test
    void shouldResetAPositionAheadOfThePod() {
        final SymbolState a = symbol(0, "A");
        sequence(a, 100);
        final SubscribeReply reply =
                subscribe(new int[] {0}, new long[] {ClientMessage.NO_SINCE}, new long[] {9}, true);
        assertEquals(List.of("A:1:" + RESET), describe(reply));
        assertEquals("epoch1-1", sseId(reply.ticks[0]));
    }

    @Test
    void shouldNumberTicksOfAnUnconfirmedLocalNumberingInThePodsOwnEpoch() {
        final SymbolState a = symbol(0, "A");
        sequence(a, 100);
        a.local = new SharedNumbering.Ledger();
        a.local.from = 1;
        a.local.to = 1;
        assertEquals("local1-1", sseId(subscribe(0).ticks[0]));
    }

    @Test
    void shouldAskForABackfillOnlyForAPointThisNumberingGaveButHistoryLost() {
        final SymbolState a = symbol(0, "A");
        for (int i = 0; i < HISTORY + 2; i++) {
            sequence(a, 100 + i);
        }
        final long[] none = {ClientMessage.NO_SINCE};
        final Command c = Command.subscribe(0, new int[] {0}, null, none, null, true, null);
        assertEquals(false, builder.needsBackfill(a, c, 3, nowNs), "history covers seq 3");
        assertEquals(true, builder.needsBackfill(a, c, 1, nowNs));
        assertEquals(false, builder.needsBackfill(a, c, 99, nowNs), "ahead: reset, not backfill");
        final Command byPosition = Command.subscribe(0, new int[] {0}, null, none, new long[] {1}, true, null);
        assertEquals(true, builder.needsBackfill(a, byPosition, ClientMessage.NO_SINCE, nowNs));
    }

    @Test
    void shouldSpliceABackfillWithHistoryAndResetWhenItFailed() {
        final SymbolState a = symbol(0, "A");
        for (int i = 0; i < HISTORY + 2; i++) {
            sequence(a, 100 + i); // seqs 1..6, history 3..6
        }
        final BackfillRequest served = new BackfillRequest(0, "A", 1, -1, Tick.BID, EPOCH);
        final Tick two = new Tick();
        two.symbol = "A";
        two.seq = 2;
        two.fieldMask = Tick.BID;
        two.bid = 101;
        final Tick three = new Tick();
        three.copyFrom(two);
        three.seq = 3;
        three.bid = 102;
        served.complete(new Tick[] {two, three}, new long[] {2, 3}, 2);
        final Command c = Command.subscribe(0, new int[] {0}, null, new long[] {1}, null, true, null);
        final SubscribeReply reply = builder.reply(c, new BackfillRequest[] {served}, EPOCH, nowNs);
        built.add(reply);
        assertEquals(List.of("A:2:0", "A:3:0", "A:4:0", "A:5:0", "A:6:0"), describe(reply));
        assertEquals(2, counters.get(Counters.Counter.BRIDGE_BACKFILLED));

        final BackfillRequest failed = new BackfillRequest(0, "A", 1, -1, Tick.BID, EPOCH);
        failed.fail();
        final SubscribeReply reset = builder.reply(c, new BackfillRequest[] {failed}, EPOCH, nowNs);
        built.add(reset);
        assertEquals(List.of("A:6:" + RESET), describe(reset));
        assertEquals(1, counters.get(Counters.Counter.BRIDGE_BACKFILL_FAILED));
    }
}
