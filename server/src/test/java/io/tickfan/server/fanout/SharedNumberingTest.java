package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The sequencer's side of a shared numbering, on symbol states filled by hand as the sequencer
 * fills them: what this pod numbered alone is confirmed when the broker numbers the same updates
 * the same way, given up (with reset and a refusal for every pod) when it does not, and a broker
 * restarted empty has its resent ticks matched by content. No thread, no ring, no engine.
 */
class SharedNumberingTest {
    private final long[] frontier = new long[1];
    private final Counters counters = new Counters(1);
    private final List<String> diverged = new ArrayList<>();
    private final Broker broker = new Broker() {
        @Override
        public Numbering numbering() {
            return new Numbering(true, 3, 8, 0, 0, false);
        }

        @Override
        public void attach(BrokerPort engine) {}

        @Override
        public void start() {}

        @Override
        public int publish(int symbolId, Tick tick, long ingestTimeNs) {
            return IngestRing.OK;
        }

        @Override
        public void diverged(String symbol, long fromSeq, long toSeq) {
            SharedNumberingTest.this.diverged.add(symbol + ":" + fromSeq + ".." + toSeq);
        }

        @Override
        public void close() {}
    };
    private final SharedNumbering numbering = new SharedNumbering(broker.numbering(), broker, frontier, counters, 0);
    private final SymbolState[] states = {symbol(0, "A"), symbol(1, "B")};
    private final SymbolState a = states[0];

    private static SymbolState symbol(int id, String name) {
        return new SymbolState(
                id,
                name,
                name.getBytes(StandardCharsets.US_ASCII),
                1,
                new TickHistory(16, TimeUnit.SECONDS.toNanos(60)),
                1);
    }

    /** A published update, told apart by its ingest time and price. */
    private static Tick update(String symbol, long ingestTimeNs, long bid) {
        final Tick t = new Tick();
        t.symbol = symbol;
        t.ingestTimeNs = ingestTimeNs;
        t.fieldMask = Tick.BID;
        t.bid = bid;
        return t;
    }

    /** As the sequencer numbers a tick here alone (broker unreachable). */
    private void numberLocally(SymbolState st, Tick t) {
        if (st.local != null) {
            numbering.beforeLocal(st);
        }
        final long seq = st.seq() + 1;
        st.last.mergeFrom(t);
        st.last.seq = seq;
        numbering.recordLocal(st, seq, t);
    }

    /** The broker's copy of {@code t}: its seq, a position. */
    private static Tick numbered(Tick t, long seq) {
        final Tick copy = update(t.symbol, t.ingestTimeNs, t.bid);
        copy.seq = seq;
        return copy;
    }

    private boolean fromBroker(SymbolState st, Tick t, long position) {
        return st.local != null && numbering.consumed(st, t, position);
    }

    @Test
    void shouldDropTheBrokersCopyOfEveryUpdateDeliveredHereUnderTheSameSeq() {
        final Tick[] sent = {update("A", 10, 1), update("A", 11, 2), update("A", 12, 3)};
        for (Tick t : sent) {
            numberLocally(a, t);
        }
        assertTrue(a.numberedLocally());
        assertTrue(fromBroker(a, numbered(sent[0], 1), 100));
        assertTrue(fromBroker(a, numbered(sent[1], 2), 101));
        assertTrue(a.numberedLocally(), "seq 3 is not confirmed yet");
        assertTrue(fromBroker(a, numbered(sent[2], 3), 102));
        assertFalse(a.numberedLocally());
        assertNull(a.local, "the ledger goes once every seq is confirmed");
        assertEquals(3, counters.get(Counters.Counter.BRIDGE_LOCAL_CONFIRMED));
        assertEquals(102, a.lastPosition, "the snapshot's id points at the broker's copy now");
        assertEquals(List.of(), diverged);
    }

    @Test
    void shouldGiveUpTheLocalRangeWithResetWhenTheBrokerNumberedOtherContent() {
        numberLocally(a, update("A", 10, 1));
        numberLocally(a, update("A", 11, 2));
        final Tick other = numbered(update("A", 99, 7), 1); // another pod's tick got seq 1
        assertFalse(fromBroker(a, other, 100), "delivered as the broker's seq 1, not dropped");
        assertEquals(List.of("A:1..2"), diverged, "every pod refuses resume points in the local range");
        assertEquals(0, a.seq(), "the broker's numbering takes over from this tick");
        assertTrue(a.resetPending);
        assertNull(a.local);
        assertEquals(1, counters.get(Counters.Counter.BRIDGE_LOCAL_DIVERGED));
    }

    @Test
    void shouldNotConfirmSeqsPastTheLedgerBound() {
        final Tick[] sent = new Tick[4]; // the bound is 3 digests
        for (int i = 0; i < sent.length; i++) {
            sent[i] = update("A", 10 + i, i);
            numberLocally(a, sent[i]);
        }
        for (int i = 0; i < 3; i++) {
            assertTrue(fromBroker(a, numbered(sent[i], i + 1), 100 + i));
        }
        assertFalse(fromBroker(a, numbered(sent[3], 4), 103), "no digest kept for seq 4: unverifiable");
        assertEquals(List.of("A:4..4"), diverged);
        assertTrue(a.resetPending);
    }

    @Test
    void shouldMatchWhatABrokerRestartedEmptyNumbersAfreshByContent() {
        // Delivered under the old epoch: the broker numbered B's two ticks, then lost them.
        final Tick b1 = update("B", 20, 1);
        final Tick b2 = update("B", 21, 2);
        numbering.rememberRecent(1, b1);
        numbering.rememberRecent(1, b2);
        final SymbolState b = states[1];
        b.last.mergeFrom(b2);
        b.last.seq = 2;
        // The new epoch: history restarts, the resent ticks come back under new seqs.
        b.last.seq = 0;
        numbering.startRejoin(b);
        numbering.startRejoin(a);
        numbering.rejoinFromRecent(states);
        assertNull(a.local, "nothing of A recently: nothing to match");
        assertTrue(fromBroker(b, numbered(b1, 1), 5), "delivered before: dropped");
        assertTrue(fromBroker(b, numbered(b2, 2), 6));
        assertNull(b.local, "every recent tick matched: the rejoin is over");
        assertEquals(2, b.seq(), "the new numbering continues after the matched ticks");
        assertTrue(b.resetPending, "the next tick carries reset: the seq restarted");
        assertFalse(fromBroker(b, numbered(update("B", 22, 3), 3), 7));
    }

    @Test
    void shouldEndARejoinAtTheFirstTickNotDeliveredHere() {
        final Tick b1 = update("B", 20, 1);
        numbering.rememberRecent(1, b1);
        numbering.rememberRecent(1, update("B", 21, 2));
        final SymbolState b = states[1];
        numbering.startRejoin(b);
        numbering.rejoinFromRecent(states);
        assertTrue(fromBroker(b, numbered(b1, 1), 5));
        assertFalse(fromBroker(b, numbered(update("B", 30, 9), 2), 6), "new content: delivered");
        assertNull(b.local);
        assertEquals(1, b.seq(), "numbered after the last match");
        assertTrue(b.resetPending);
    }

    @Test
    void shouldKeepWhatAnInterruptedRejoinHasNotMatchedWhenTheBrokerRestartsEmptyAgain() {
        // Delivered here under epoch 1: four ticks of B.
        final Tick[] delivered = new Tick[4];
        for (int i = 0; i < delivered.length; i++) {
            delivered[i] = update("B", 20 + i, i + 1);
            numbering.rememberRecent(1, delivered[i]);
        }
        final SymbolState b = states[1];
        // Epoch 2: the publishing pod resends all four; this pod's reader takes the first two only.
        b.last.seq = 0;
        numbering.startRejoin(b);
        numbering.rejoinFromRecent(states);
        assertTrue(fromBroker(b, numbered(delivered[0], 1), 5));
        assertTrue(fromBroker(b, numbered(delivered[1], 2), 6));
        // Epoch 3 before the other two came back: the publishing pod resends all four again.
        b.last.seq = 0;
        numbering.startRejoin(b);
        numbering.rejoinFromRecent(states);
        for (int i = 0; i < delivered.length; i++) {
            assertTrue(
                    fromBroker(b, numbered(delivered[i], i + 1), 10 + i),
                    "tick " + i + " was delivered here under epoch 1: dropped, not delivered again");
        }
        assertNull(b.local, "every tick delivered here matched: the rejoin is over");
        assertEquals(4, b.seq());
        assertTrue(b.resetPending, "the next tick carries reset: the seq restarted");
        assertFalse(fromBroker(b, numbered(update("B", 30, 9), 5), 14), "new content: delivered");
        assertEquals(6, counters.get(Counters.Counter.BRIDGE_LOCAL_CONFIRMED));
    }
}
