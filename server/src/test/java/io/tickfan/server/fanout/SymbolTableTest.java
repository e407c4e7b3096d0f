package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("fault")
class SymbolTableTest {
    @Test
    void shouldKeepSubscribersOutOfThePublishedCapacity() {
        final SymbolTable table = new SymbolTable(2, 3);
        assertTrue(table.acquire("A") >= 0);
        assertTrue(table.acquire("B") >= 0);
        assertTrue(table.acquire("C") >= 0);
        assertEquals(SymbolTable.FULL, table.acquire("D"), "pending bound");
        assertTrue(table.register("X") >= 0);
        assertTrue(table.register("Y") >= 0);
        assertEquals(SymbolTable.FULL, table.register("Z"), "published bound");
        assertEquals(3, table.pendingCount());
        assertEquals(2, table.publishedCount());
    }

    @Test
    void shouldRetireTheLastHoldOfANameNobodyPublished() {
        final SymbolTable table = new SymbolTable(4, 4);
        final int a = table.acquire("A");
        assertEquals(a, table.acquire("A"));
        assertFalse(table.release(a), "one hold left");
        assertTrue(table.release(a), "last hold: retired");
        assertEquals(SymbolTable.FULL, table.idOf("A"));
        assertFalse(table.release(a), "a retired id is not released twice");
        // Not given out again before the loops passed it.
        final int b = table.acquire("B");
        assertNotEquals(a, b);
        table.free(new int[] {a});
        assertEquals(a, table.acquire("C"));
        assertEquals("C", table.name(a));
        assertEquals(1, table.reclaimedCount());
    }

    @Test
    void shouldNeverRetireAPublishedName() {
        final SymbolTable table = new SymbolTable(4, 4);
        final int a = table.acquire("A");
        assertEquals(a, table.register("A"));
        assertEquals(0, table.pendingCount());
        assertEquals(1, table.publishedCount());
        assertFalse(table.release(a));
        assertEquals(a, table.idOf("A"));
        assertEquals(a, table.acquire("A"));
        assertFalse(table.release(a));
    }

    /** A churn of new names faster than reclaim must answer FULL, never hand out an id past capacity. */
    @Test
    void shouldCountIdsOnTheirWayBackAgainstThePendingBound() {
        final SymbolTable table = new SymbolTable(1, 2);
        final int a = table.acquire("A");
        final int b = table.acquire("B");
        assertTrue(table.release(a) && table.release(b), "both retired, not yet freed");
        for (int i = 0; i < 4; i++) {
            assertEquals(SymbolTable.FULL, table.acquire("N" + i), "retired ids still take room");
        }
        assertTrue(table.register("P") >= 0, "a publisher still gets its own room");
        table.free(new int[] {a, b});
        assertTrue(table.acquire("C") >= 0);
        assertTrue(table.acquire("D") >= 0);
    }
}
