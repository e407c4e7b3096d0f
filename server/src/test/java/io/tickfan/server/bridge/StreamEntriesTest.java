package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamEntriesTest {
    private static Tick tick(long bid, long publisherSeq) {
        final Tick t = new Tick();
        t.fieldMask = Tick.BID | Tick.ASK;
        t.bid = bid;
        t.ask = bid + 1;
        t.exchangeTimeNs = 11;
        t.seq = publisherSeq;
        return t;
    }

    @Test
    void shouldNumberEachRunFromItsFirstSeq() {
        final StringBuilder t = new StringBuilder();
        StreamEntries.writeLine(t, "AAPL", tick(1, 0), 22);
        StreamEntries.writeLine(t, "AAPL", tick(2, 0), 22);
        StreamEntries.writeLine(t, "AAPL", tick(3, 9), 22); // publisher-numbered: its own run
        StreamEntries.writeLine(t, "MSFT", tick(4, 0), 22);
        final StreamEntries.EntryTicks entry = new StreamEntries.EntryTicks();
        assertNull(entry.read(Map.of("e", "ep", "q", "41,9,7", "t", t.toString())));
        assertEquals(4, entry.count);
        assertEquals(41, entry.ticks[0].seq);
        assertEquals(42, entry.ticks[1].seq);
        assertEquals(9, entry.ticks[2].seq);
        assertEquals("MSFT", entry.ticks[3].symbol);
        assertEquals(7, entry.ticks[3].seq);
        assertEquals(22, entry.ticks[3].ingestTimeNs);
        assertEquals(5, entry.ticks[3].ask);
        assertTrue(entry.kept[2]);
    }

    @Test
    void shouldMarkAPublisherRetryThatRedisDroppedAsNotKept() {
        final StringBuilder t = new StringBuilder();
        StreamEntries.writeLine(t, "AAPL", tick(1, 5), 22);
        final StreamEntries.EntryTicks entry = new StreamEntries.EntryTicks();
        assertNull(entry.read(Map.of("e", "ep", "q", "0", "t", t.toString())));
        assertFalse(entry.kept[0]);
    }

    @Test
    void shouldRejectMalformedEntriesWhole() {
        final StreamEntries.EntryTicks entry = new StreamEntries.EntryTicks();
        final String line = "AAPL,0,3,1,1,1,1,0,0,0,0\n";
        assertEquals(StreamEntries.Malformed.MISSING_FIELD, entry.read(Map.of("x", "1")));
        assertEquals(StreamEntries.Malformed.BAD_NUMBER, entry.read(Map.of("e", "ep", "q", "x", "t", line)));
        assertEquals(StreamEntries.Malformed.BAD_NUMBER, entry.read(Map.of("e", "ep", "q", "1,2", "t", line)));
        assertEquals(StreamEntries.Malformed.BAD_NUMBER, entry.read(Map.of("e", "ep", "q", "1", "t", "AAPL,0,3,1\n")));
        assertEquals(
                StreamEntries.Malformed.BAD_NUMBER,
                entry.read(Map.of("e", "ep", "q", "1", "t", line.replace("3,", "64,"))));
        assertEquals(
                StreamEntries.Malformed.BAD_SYMBOL,
                entry.read(Map.of("e", "ep", "q", "1", "t", "A A" + line.substring(4))));
    }

    @Test
    void shouldOrderPositionsByEntryIdThenIndex() {
        final long a = StreamEntries.position("1795435394737-0", 4095);
        final long b = StreamEntries.position("1795435394737-1", 0);
        final long c = StreamEntries.position("1795435394738-0", 0);
        assertTrue(a > 0 && a < b && b < c);
        assertEquals(-1, StreamEntries.position("1795435394737-1024", 0));
        assertEquals(-1, StreamEntries.position("garbage", 0));
        assertTrue(StreamEntries.compareIds("5-10", "5-9") > 0);
    }

    @Test
    void shouldReadADivergenceMarkerAndRefuseMalformedOnes() {
        final long[] fromTo = new long[2];
        assertEquals("AAPL", StreamEntries.parseDiverged("AAPL,1201,1290", fromTo));
        assertEquals(1201, fromTo[0]);
        assertEquals(1290, fromTo[1]);
        assertNull(StreamEntries.parseDiverged("AAPL,1290,1201", fromTo), "an empty range");
        assertNull(StreamEntries.parseDiverged("AAPL,x,1290", fromTo));
        assertNull(StreamEntries.parseDiverged("AAPL,1201", fromTo));
        assertNull(StreamEntries.parseDiverged("NOT A SYMBOL!,1,2", fromTo));
        assertNull(StreamEntries.parseDiverged("", fromTo));
    }
}
