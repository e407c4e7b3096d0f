package io.tickfan.server.fanout;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Retired symbol ids the sequencer has forgotten, queued to every event loop behind everything it
 * queued before (subscribe replies naming those ids among them). The last loop to pass it gives
 * the ids back to the {@link SymbolTable}: from then on nothing in flight can name them.
 */
final class ReclaimedIds {
    private final int[] ids;
    private final SymbolTable table;
    private final AtomicInteger loopsLeft;

    ReclaimedIds(int[] ids, SymbolTable table, int loops) {
        this.ids = ids;
        this.table = table;
        this.loopsLeft = new AtomicInteger(loops);
    }

    /** A loop drained past this marker. */
    void passed() {
        if (loopsLeft.decrementAndGet() == 0) {
            table.free(ids);
        }
    }
}
