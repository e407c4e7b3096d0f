package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tickfan.protocol.Tick;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AppendScriptTest {
    private static PendingTick pending(String symbol, long bid, long publisherSeq) {
        final Tick t = new Tick();
        t.symbol = symbol;
        t.fieldMask = Tick.BID;
        t.bid = bid;
        t.seq = publisherSeq;
        t.ingestTimeNs = 7;
        return new PendingTick(0, symbol, t);
    }

    private static AppendBatch batch(long number, PendingTick... ticks) {
        return new AppendBatch(number, new ArrayDeque<>(Arrays.asList(ticks)));
    }

    @Test
    void shouldGroupABatchBySymbolInFirstAppearanceOrderWithOneRunPerSymbol() {
        final AppendBatch b =
                batch(12, pending("AAPL", 1, 0), pending("MSFT", 2, 0), pending("AAPL", 3, 0), pending("MSFT", 4, 0));
        final String[] argv = AppendScript.argv(b, "ep", "w1", 1000);
        assertArrayEquals(new String[] {"ep", "w1", "12", "1000"}, Arrays.copyOf(argv, 4));
        assertArrayEquals(
                new String[] {"AAPL", "0", "2", "MSFT", "0", "2"},
                Arrays.copyOfRange(argv, AppendScript.FIXED_ARGS, argv.length));
        // The payload reads back, as Redis's entry would, in the grouped order.
        final StreamEntries.EntryTicks entry = new StreamEntries.EntryTicks();
        assertNull(entry.read(Map.of("e", "ep", "q", "1,1", "t", argv[4])));
        assertEquals(4, entry.count);
        assertEquals(1, entry.ticks[0].bid);
        assertEquals(3, entry.ticks[1].bid);
        assertEquals("MSFT", entry.ticks[2].symbol);
        assertEquals(2, entry.ticks[2].bid);
        assertEquals(7, entry.ticks[3].ingestTimeNs);
    }

    @Test
    void shouldGiveATickWithAPublisherSeqARunOfItsOwn() {
        final AppendBatch b = batch(1, pending("AAPL", 1, 0), pending("AAPL", 2, 9), pending("AAPL", 3, 0));
        final String[] argv = AppendScript.argv(b, "ep", "w1", 1000);
        assertArrayEquals(
                new String[] {"AAPL", "0", "1", "AAPL", "9", "1", "AAPL", "0", "1"},
                Arrays.copyOfRange(argv, AppendScript.FIXED_ARGS, argv.length));
    }

    @Test
    void shouldNameTheShardsKeysInTheScriptsOrder() {
        final RedisKeys keys = new RedisKeys("tickfan");
        assertArrayEquals(
                new String[] {keys.stream(2), keys.seq(2), keys.writers(2), keys.epoch(2)}, AppendScript.keys(keys, 2));
    }
}
