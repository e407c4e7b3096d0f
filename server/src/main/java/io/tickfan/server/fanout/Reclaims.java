package io.tickfan.server.fanout;

import io.tickfan.server.metrics.Counters;
import java.util.function.IntPredicate;
import org.agrona.collections.IntArrayList;

/**
 * Retired symbols (interest-only, their last hold given back; decision 0006) leaving the
 * sequencer: every unsubscribe of one came before its reclaim command, so nothing here needs it.
 * Its state goes at once; its id goes back to the table only once every loop has drained past
 * what was queued to it until then ({@link ReclaimedIds}). Sequencer thread only.
 */
final class Reclaims {
    private final SymbolState[] states;
    private final SymbolTable symbols;
    private final int loops;
    private final Counters counters;
    private final int counterSlot;
    /** Ids a waiting resume still names: forgotten once it is answered. */
    private final IntPredicate awaited;
    /** Ids forgotten this cycle, to be handed to every loop. */
    private final IntArrayList now = new IntArrayList();

    private final IntArrayList later = new IntArrayList();

    Reclaims(SymbolState[] states, SymbolTable symbols, int loops, IntPredicate awaited, Counters counters, int slot) {
        this.states = states;
        this.symbols = symbols;
        this.loops = loops;
        this.awaited = awaited;
        this.counters = counters;
        this.counterSlot = slot;
    }

    boolean isEmpty() {
        return now.isEmpty() && later.isEmpty();
    }

    /** Forgets the state of {@code symbolId}, or defers it while a waiting resume names it. */
    void reclaim(int symbolId) {
        final SymbolState st = states[symbolId];
        if (st != null) {
            for (int n : st.interest) {
                if (n != 0 || st.seq() != 0) {
                    counters.add(Counters.Counter.SYMBOLS_NOT_RECLAIMED, counterSlot, 1);
                    return; // never expected: keep the id out of use rather than risk a mix-up
                }
            }
            if (awaited.test(symbolId)) {
                later.addInt(symbolId);
                return;
            }
            st.history.clear();
            st.dropCachedSnapshot();
            states[symbolId] = null;
        }
        now.addInt(symbolId);
    }

    /**
     * Retries deferred reclaims, then hands back this cycle's reclaimed ids.
     *
     * @return the marker to queue to every loop, or null when none was reclaimed
     */
    ReclaimedIds pass() {
        if (!later.isEmpty()) {
            final int[] retry = later.toIntArray();
            later.clear();
            for (int id : retry) {
                reclaim(id);
            }
        }
        if (now.isEmpty()) {
            return null;
        }
        final ReclaimedIds marker = new ReclaimedIds(now.toIntArray(), symbols, loops);
        counters.add(Counters.Counter.SYMBOLS_RECLAIMED, counterSlot, now.size());
        now.clear();
        return marker;
    }
}
