package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;

/** What the sequencer keeps per symbol. Sequencer thread only. */
final class SymbolState {
    final int id;
    final byte[] ascii;
    /** The merged last value: every field as of the newest tick. Its seq is the symbol's seq. */
    final Tick last = new Tick();

    final TickHistory history;
    /** Subscribers per event loop, by loop index. */
    final int[] interest;
    /** Position of the newest tick, in the symbol's position space. */
    long lastPosition;
    /** The symbol's position space: its Redis shard (0 standalone or with one shard). */
    final int shard;
    /**
     * Several position spaces: every space's position when the newest tick was sequenced, the id
     * of that tick and of the symbol's snapshot; null with one space.
     */
    final long[] lastFrontier;
    /** When the newest tick was sequenced, in this pod's sequencing order. */
    long lastOrder;
    /** The snapshot of {@link #last}, kept until the next tick for subscribe storms; or null. */
    EncodedTick cachedSnapshot;
    /** The next live tick carries {@code reset}: the symbol's numbering restarted or has a gap upstream. */
    boolean resetPending;
    /**
     * Shared numbering only: what this pod numbered alone and the broker has not confirmed yet, or
     * the matching of a broker restarted empty (see {@link SharedNumbering}); null when neither.
     */
    SharedNumbering.Ledger local;
    /**
     * Seqs some pod handed out alone that Redis numbered differently: a WebSocket resume point in
     * {@code [refusedFrom, refusedTo]} may hold other content than this pod's, so it gets reset.
     */
    long refusedFrom;

    long refusedTo;

    SymbolState(int id, String symbol, byte[] ascii, int loops, TickHistory history, int positionShards) {
        this.id = id;
        this.shard = positionShards > 1 ? SymbolTable.shardOf(symbol, positionShards) : 0;
        this.lastFrontier = positionShards > 1 ? new long[positionShards] : null;
        this.ascii = ascii;
        this.last.symbol = symbol;
        this.history = history;
        this.interest = new int[loops];
    }

    long seq() {
        return last.seq;
    }

    /** Whether some seqs of this symbol were numbered by this pod alone and not confirmed yet. */
    boolean numberedLocally() {
        final SharedNumbering.Ledger l = local;
        return l != null && l.from != 0;
    }

    /** Drops the cached snapshot: the symbol's value or its id changed. */
    void dropCachedSnapshot() {
        if (cachedSnapshot != null) {
            cachedSnapshot.release();
            cachedSnapshot = null;
        }
    }
}
