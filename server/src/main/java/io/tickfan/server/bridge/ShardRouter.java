package io.tickfan.server.bridge;

import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.SymbolTable;
import java.util.List;

/**
 * Hands each published tick (and each divergence marker) to the writer of its symbol's shard.
 * Publishers are any thread; the shard of a symbol id is computed once and cached in a plain int
 * array (a racy but idempotent fill: every thread writes the same value), so a publish costs an
 * array read, not a string hash.
 */
final class ShardRouter {
    private final StreamWriter[] writers;
    private final SymbolTable symbols;
    /** Per symbol id: shard + 1, or 0 while not known yet. */
    private final int[] shardPlusOne;

    ShardRouter(List<StreamWriter> writers, SymbolTable symbols) {
        this.writers = writers.toArray(new StreamWriter[0]);
        this.symbols = symbols;
        this.shardPlusOne = new int[symbols.capacity()];
    }

    /** Any thread: the engine's publish sink. */
    int offer(int symbolId, Tick tick, long ingestTimeNs) {
        int s = shardPlusOne[symbolId] - 1;
        if (s < 0) {
            s = SymbolTable.shardOf(symbols.name(symbolId), writers.length);
            shardPlusOne[symbolId] = s + 1;
        }
        return writers[s].offer(symbolId, tick, ingestTimeNs);
    }

    /** The sequencer thread: see {@link StreamWriter#diverged}. */
    void diverged(String symbol, long from, long to) {
        writers[SymbolTable.shardOf(symbol, writers.length)].diverged(symbol, from, to);
    }
}
