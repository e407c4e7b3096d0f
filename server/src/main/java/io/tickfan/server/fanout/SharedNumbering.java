package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.util.Arrays;

/**
 * The sequencer's side of a numbering several pods share ({@link Broker.Numbering#shared}, the
 * Redis bridge): the broker numbers every tick, and while it is unreachable this pod numbers what
 * is published here alone, delivers it at once and remembers a digest of each. Once the broker
 * numbered those ticks they are confirmed (the same update under the same seq: dropped, it was
 * delivered) or the numberings diverged (the broker's wins, with {@code reset}). When the broker
 * restarts empty and numbers afresh what this pod resends, a resent tick this pod delivered is
 * matched by content and dropped (decision 0003). Sequencer thread only; a standalone pod has none.
 */
final class SharedNumbering {
    /**
     * Per symbol: the seqs this pod numbered alone and the broker has not confirmed, with a digest
     * of each update, or, after the broker restarted empty, the digests its new numbering is
     * matched against.
     */
    static final class Ledger {
        /** First and last seq numbered here alone, not confirmed yet (0: none). */
        long from;

        long to;
        /** Digests of the updates numbered here alone, from seq {@link #base} on; null when none. */
        long[] digests;

        int size;
        long base;
        /** The broker restarted empty: its ticks are matched against the digests from {@link #next} on. */
        boolean rejoining;

        int next;
        /** While rejoining: the broker's seq, in its new epoch, of the newest tick matched. */
        long rejoinSeq;
    }

    private final Broker broker;
    private final Counters counters;
    private final int counterSlot;
    /** The sequencer's frontier per position space (shared, not copied). */
    private final long[] frontier;

    private final boolean vectorIds;
    /** Most digests kept in ledgers over all symbols; past it seqs cannot be confirmed (reset). */
    private final int ledgerMax;

    private long ledgerUsed;
    /**
     * Digests (and symbol ids) of the newest ticks the broker numbered, a ring: when the broker
     * restarts empty, a publishing pod resends what its own reader had not read back, and some of
     * it other pods delivered already ({@link #rejoinFromRecent}). Null when not kept.
     */
    private final long[] recentDigests;

    private final int[] recentSymbols;
    private long recentCount;

    SharedNumbering(Broker.Numbering numbering, Broker broker, long[] frontier, Counters counters, int counterSlot) {
        this.broker = broker;
        this.frontier = frontier;
        this.vectorIds = frontier.length > 1;
        this.counters = counters;
        this.counterSlot = counterSlot;
        this.ledgerMax = numbering.localLedgerTicks();
        final int recent = numbering.rejoinMatchTicks();
        this.recentDigests = recent > 0 ? new long[recent] : null;
        this.recentSymbols = recent > 0 ? new int[recent] : null;
    }

    /**
     * A tick the broker numbered (it carries a position), for a symbol with a {@link Ledger}.
     *
     * @return true when it was consumed: delivered here already
     */
    boolean consumed(SymbolState st, Tick tick, long carried) {
        final Ledger l = st.local;
        return l.rejoining ? rejoined(st, l, tick, carried) : l.from != 0 && reconciled(st, l, tick, carried);
    }

    /** A tick about to be numbered here alone, for a symbol with a {@link Ledger}. */
    void beforeLocal(SymbolState st) {
        final Ledger l = st.local;
        if (l.rejoining && l.from == 0) {
            endRejoin(st, l.rejoinSeq); // numbered here alone again: the seq-based ledger takes over
        }
    }

    /**
     * Remembers the update this pod numbered {@code seq} alone: a digest of it in the symbol's
     * ledger (8 bytes a tick; history may be far smaller than an outage). Past the ledger bound over
     * all symbols nothing more is recorded, so those seqs cannot be confirmed and end in reset; the
     * bound is the bridge's outbound buffer, past which ticks are dropped for the broker and the
     * numbering diverges anyway.
     */
    void recordLocal(SymbolState st, long seq, Tick raw) {
        Ledger l = st.local;
        if (l == null) {
            l = st.local = new Ledger();
        }
        if (l.from == 0) {
            l.from = seq;
            l.base = seq;
            l.size = 0;
        }
        l.to = seq;
        counters.add(Counters.Counter.BRIDGE_LOCAL_TICKS, counterSlot, 1);
        if (seq - l.base != l.size || ledgerUsed >= ledgerMax) {
            return; // a publisher seq skipped numbers, or the bound: unverifiable from here on
        }
        if (l.digests == null || l.size == l.digests.length) {
            l.digests = Arrays.copyOf(l.digests == null ? new long[0] : l.digests, Math.max(64, l.size * 2));
        }
        l.digests[l.size++] = digest(raw);
        ledgerUsed++;
    }

    /** A tick the broker numbered and this pod delivered: kept for a broker that restarts empty. */
    void rememberRecent(int symbolId, Tick raw) {
        final long[] digests = recentDigests;
        if (digests != null) {
            final int at = (int) (recentCount++ % digests.length);
            digests[at] = digest(raw);
            recentSymbols[at] = symbolId;
        }
    }

    /**
     * The broker restarted empty (a new epoch) and {@code st} has a local range with digests: its
     * new numbering is matched against them.
     *
     * @return false when {@code st} has no such range (its history restarts, see {@link #startRejoin})
     */
    boolean rejoinLocalRange(SymbolState st) {
        final Ledger l = st.local;
        if (l == null || l.from == 0 || l.size == 0) {
            return false;
        }
        if (!l.rejoining) {
            l.rejoining = true;
            l.rejoinSeq = 0;
        }
        return true;
    }

    /**
     * The broker restarted empty: {@code st}, without a local range, is a candidate for {@link
     * #rejoinFromRecent}. A rejoin the restart interrupts keeps what it has not matched yet: ticks
     * this pod delivered before the previous restart that its reader has not taken again since, and
     * that the publishing pod resends once more (its resend window holds the batches it resent last
     * time). Dropped here, they would come back as new ticks (decision 0003, {@code
     * BridgeInterruptedRejoinIT}). What it matched is in the recent ring already, in front of them.
     */
    void startRejoin(SymbolState st) {
        final Ledger r = st.local;
        if (r != null && r.rejoining && r.from == 0 && r.next < r.size) {
            final int unmatched = r.size - r.next;
            System.arraycopy(r.digests, r.next, r.digests, 0, unmatched);
            ledgerUsed -= r.next;
            r.size = unmatched;
            r.base = 0;
            r.next = 0;
            r.rejoinSeq = 0;
            return;
        }
        endLocal(st);
        Ledger l = st.local;
        if (l == null) {
            l = st.local = new Ledger();
        }
        l.rejoining = true;
        l.next = 0;
        l.rejoinSeq = 0;
    }

    /**
     * A new epoch: for every symbol rejoining, the ticks of it the broker had numbered last (oldest
     * first) go in front of its ledger (empty, this pod's local range, or what an interrupted rejoin
     * had not matched), so a resent one is
     * dropped, not delivered again. {@code base} moves back with them, so {@link #recordLocal}
     * still appends at the right index.
     */
    void rejoinFromRecent(SymbolState[] bySymbol) {
        final long[] digests = recentDigests;
        final int[] syms = recentSymbols;
        final int[] count = new int[bySymbol.length];
        final long from = digests == null ? 0 : Math.max(0, recentCount - digests.length);
        if (digests != null) {
            for (long i = from; i < recentCount; i++) {
                final int id = syms[(int) (i % digests.length)];
                if (id >= 0 && id < bySymbol.length && rejoining(bySymbol[id])) {
                    count[id]++;
                }
            }
        }
        final int[] filled = new int[bySymbol.length];
        for (SymbolState st : bySymbol) {
            if (!rejoining(st)) {
                continue;
            }
            final Ledger l = st.local;
            final int n = count[st.id];
            if (n > 0) {
                final long[] ledger = new long[Math.max(16, n + l.size * 2)];
                if (l.size > 0) {
                    System.arraycopy(l.digests, 0, ledger, n, l.size);
                }
                l.digests = ledger;
                l.size += n;
                l.base -= n;
                ledgerUsed += n;
            }
            l.next = 0;
            if (l.size == 0) {
                l.rejoining = false; // nothing of it recently: nothing to match
                if (l.from == 0) {
                    st.local = null;
                }
            }
        }
        if (digests != null) {
            for (long i = from; i < recentCount; i++) {
                final int at = (int) (i % digests.length);
                final int id = syms[at];
                if (id >= 0 && id < bySymbol.length && count[id] > 0) {
                    bySymbol[id].local.digests[filled[id]++] = digests[at];
                    syms[at] = -1; // of the old epoch: never matched again
                }
            }
        }
    }

    private static boolean rejoining(SymbolState st) {
        return st != null && st.local != null && st.local.rejoining;
    }

    /**
     * A tick numbered by the broker for a symbol this pod numbered alone while degraded. Within the
     * local range, the tick this pod delivered under the same seq must be the same update (its
     * digest in the ledger: same ingest and exchange time, same fields): then it was delivered
     * already and is dropped. Anything else (another pod's tick, ticks the broker numbered before
     * ours, a local tick past the ledger's bound) means the numberings diverged: the broker's
     * numbering takes over from this tick, which goes out with {@code reset}, and no resume point
     * inside the local range is honoured again.
     */
    private boolean reconciled(SymbolState st, Ledger l, Tick tick, long carried) {
        final long seq = tick.seq;
        if (seq < l.from) {
            return false; // before the local range: the normal duplicate check applies
        }
        if (seq <= l.to) {
            final long at = seq - l.base;
            if (at < l.size && l.digests[(int) at] == digest(tick)) {
                counters.add(Counters.Counter.BRIDGE_LOCAL_CONFIRMED, counterSlot, 1);
                rememberRecent(st.id, tick);
                if (carried > frontier[st.shard]) {
                    frontier[st.shard] = carried;
                }
                if (seq == st.seq()) {
                    // Its snapshot and SSE id now point at the broker's copy, which every pod knows.
                    st.lastPosition = carried;
                    if (vectorIds) {
                        System.arraycopy(frontier, 0, st.lastFrontier, 0, frontier.length);
                    }
                    st.dropCachedSnapshot();
                }
                if (seq == l.to) {
                    endLocal(st);
                } else {
                    l.from = seq + 1;
                }
                return true;
            }
        }
        counters.add(Counters.Counter.BRIDGE_LOCAL_DIVERGED, counterSlot, 1);
        // Clients that got these seqs here may resume on any pod: tell them all, through the broker.
        broker.diverged(st.last.symbol, seq, l.to);
        st.history.refuseThrough(l.to);
        st.dropCachedSnapshot();
        st.last.seq = seq - 1;
        endLocal(st);
        st.resetPending = true;
        return false;
    }

    /**
     * A tick of the broker's new epoch for a symbol this pod numbered alone when the broker
     * restarted empty. The writer resends, in order, every tick it delivered here that the broker
     * may have lost, so the broker numbers them afresh: one whose digest is in the ledger (at or
     * after the last match; ticks dropped from the buffer leave holes) was delivered already and is
     * dropped, its new seq noted. When the ledger is used up, or at the first tick not delivered
     * here, the broker's numbering takes over: history restarts and the next delivered tick carries
     * {@code reset}.
     */
    private boolean rejoined(SymbolState st, Ledger l, Tick tick, long carried) {
        final long d = digest(tick);
        for (int i = l.next; i < l.size; i++) {
            if (l.digests[i] == d) {
                counters.add(Counters.Counter.BRIDGE_LOCAL_CONFIRMED, counterSlot, 1);
                rememberRecent(st.id, tick); // may be resent again if the broker restarts empty again
                l.next = i + 1;
                l.rejoinSeq = tick.seq;
                if (carried > frontier[st.shard]) {
                    frontier[st.shard] = carried;
                }
                if (l.next == l.size) {
                    endRejoin(st, l.rejoinSeq);
                }
                return true;
            }
        }
        endRejoin(st, tick.seq - 1);
        return false;
    }

    private void endRejoin(SymbolState st, long seq) {
        st.local.rejoining = false;
        st.history.restart();
        st.dropCachedSnapshot();
        st.last.seq = seq;
        endLocal(st);
        st.resetPending = true;
    }

    /** The local range is confirmed or given up; the ledger goes unless a rejoin still needs it. */
    private void endLocal(SymbolState st) {
        final Ledger l = st.local;
        if (l == null) {
            return;
        }
        ledgerUsed -= l.size;
        l.from = 0;
        l.to = 0;
        l.digests = null;
        l.size = 0;
        if (!l.rejoining) {
            st.local = null;
        }
    }

    /** Identifies one published update (its ingest time is per publish, in ns) for {@link #recordLocal}. */
    static long digest(Tick raw) {
        final int mask = raw.fieldMask;
        long h = raw.ingestTimeNs * 31 + raw.exchangeTimeNs;
        h = h * 31 + mask;
        h = h * 31 + ((mask & Tick.BID) != 0 ? raw.bid : 0);
        h = h * 31 + ((mask & Tick.ASK) != 0 ? raw.ask : 0);
        h = h * 31 + ((mask & Tick.BID_SIZE) != 0 ? raw.bidSize : 0);
        h = h * 31 + ((mask & Tick.ASK_SIZE) != 0 ? raw.askSize : 0);
        h = h * 31 + ((mask & Tick.LAST) != 0 ? raw.last : 0);
        return h * 31 + ((mask & Tick.LAST_SIZE) != 0 ? raw.lastSize : 0);
    }
}
