package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tickfan.protocol.Tick;
import org.junit.jupiter.api.Test;

class SymbolCursorTest {
    private final SymbolCursor cursor = new SymbolCursor();

    private int advance(long seq, int flags) {
        final Tick t = new Tick();
        t.symbol = "AAPL";
        t.seq = seq;
        t.flags = flags;
        return cursor.advance(t);
    }

    @Test
    void shouldClassifySnapshotThenContiguousLiveTicks() {
        assertEquals(TickStatus.SNAPSHOT, advance(10, Tick.FLAG_SNAPSHOT));
        assertEquals(TickStatus.IN_ORDER, advance(11, 0));
        assertEquals(TickStatus.IN_ORDER, advance(12, 0));
        assertEquals(12, cursor.seq);
    }

    @Test
    void shouldReportGapWithMissingCount() {
        advance(1, 0);
        assertEquals(TickStatus.GAP, advance(5, 0));
        assertEquals(3, cursor.missing);
        assertEquals(TickStatus.IN_ORDER, advance(6, 0));
    }

    @Test
    void shouldReportDuplicatesWithoutMovingBack() {
        advance(7, 0);
        assertEquals(TickStatus.DUPLICATE, advance(7, 0));
        assertEquals(TickStatus.DUPLICATE, advance(3, 0));
        assertEquals(7, cursor.seq);
    }

    @Test
    void shouldAcceptResetAndConflatedJumps() {
        advance(7, 0);
        assertEquals(TickStatus.RESET, advance(100, Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET));
        assertEquals(TickStatus.CONFLATED, advance(105, Tick.FLAG_CONFLATED));
        assertEquals(0, cursor.missing);
    }

    @Test
    void shouldTakeFirstLiveTickAsBaseline() {
        assertEquals(TickStatus.FIRST, advance(42, 0));
        assertEquals(TickStatus.IN_ORDER, advance(43, 0));
    }
}
