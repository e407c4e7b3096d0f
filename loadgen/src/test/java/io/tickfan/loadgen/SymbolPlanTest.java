package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SymbolPlanTest {
    @Test
    void shouldGiveEachClientKDistinctSymbols() {
        final SymbolPlan plan = SymbolPlan.create("S", 50, 300, 10, SymbolPlan.Distribution.uniform, 1.0, 1);
        for (int[] ids : plan.perClient) {
            assertEquals(10, Arrays.stream(ids).distinct().count());
        }
        assertEquals(3000, plan.totalSubscriptions());
        assertEquals(3000, Arrays.stream(plan.subscribers).sum());
    }

    @Test
    void shouldMakeLowRanksHotUnderZipf() {
        final SymbolPlan plan = SymbolPlan.create("S", 100, 2000, 1, SymbolPlan.Distribution.zipf, 1.0, 7);
        assertTrue(plan.subscribers[0] > 5 * plan.subscribers[50], Arrays.toString(plan.subscribers));
    }

    @Test
    void shouldNameSymbols() {
        assertEquals("LG", SymbolPlan.symbolNames("LG", 1)[0]);
        assertEquals("LG2", SymbolPlan.symbolNames("LG", 3)[2]);
    }

    @Test
    void shouldBeRepeatableForASeed() {
        final SymbolPlan a = SymbolPlan.create("S", 500, 100, 10, SymbolPlan.Distribution.uniform, 1.0, 42);
        final SymbolPlan b = SymbolPlan.create("S", 500, 100, 10, SymbolPlan.Distribution.uniform, 1.0, 42);
        assertTrue(Arrays.deepEquals(a.perClient, b.perClient));
    }
}
