package io.tickfan.server.fanout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;
import org.agrona.collections.IntArrayList;

/**
 * Maps symbols to dense ids, shared by every thread. The id is what crosses the ingest ring, so the
 * sequencer never hashes a string per tick.
 *
 * <p>Two kinds of entry, with separate bounds (decision 0006):
 *
 * <ul>
 *   <li><b>published</b>: a publisher (or the bridge, or the demo feed) sent a tick for it ({@link
 *       #register}). Kept for the life of the process, at most {@code maxSymbols}. Lookups are
 *       lock-free reads.
 *   <li><b>interest-only</b>: subscribed to ({@link #acquire}) but never published. Counted by holds
 *       (one per subscribing connection), at most {@code maxPending} at once (ids still on their
 *       way back to the free list included), and retired when the
 *       last hold goes ({@link #release}): its name leaves the map at once; its id returns to the
 *       free list ({@link #free}) only once the sequencer and every event loop have moved past it,
 *       so no reply or command for the old name can meet a new name under the same id.
 * </ul>
 *
 * A subscriber can therefore never take an id a publisher needs, and what it holds is bounded by
 * its subscriptions and freed when it leaves. Changes to interest-only entries take the table's
 * lock: subscribes and unsubscribes, never a tick.
 */
public final class SymbolTable {
    /** Returned by {@link #register} and {@link #acquire} when the table holds its maximum. */
    public static final int FULL = -1;

    private final ConcurrentHashMap<String, Entry> ids = new ConcurrentHashMap<>();
    private final String[] names;
    private final byte[][] asciiNames;
    /** Per id: its entry while the id is given out; under the lock. */
    private final Entry[] entries;

    private final int maxPublished;
    private final int maxPending;
    private final IntArrayList freeIds = new IntArrayList();
    private int nextId;
    private int publishedCount;
    private int pendingCount;
    /** Retired interest-only ids not yet back on the free list: they still take room. */
    private int retiring;

    private long reclaimed;

    /**
     * One name under one id. A new object whenever an id is given out again, so a lock-free reader
     * that finds an entry published has the right id for good (published entries are never retired).
     */
    private static final class Entry {
        final int id;
        volatile boolean published;
        /** Subscriptions holding an interest-only entry; under the lock. */
        int holds;

        Entry(int id) {
            this.id = id;
        }
    }

    /**
     * @param maxSymbols most published symbols
     * @param maxPending most interest-only symbols at once
     */
    public SymbolTable(int maxSymbols, int maxPending) {
        final int capacity = maxSymbols + maxPending;
        this.maxPublished = maxSymbols;
        this.maxPending = maxPending;
        this.names = new String[capacity];
        this.asciiNames = new byte[capacity][];
        this.entries = new Entry[capacity];
    }

    /** A table with no room for interest-only symbols (tests and benchmarks that only publish). */
    public SymbolTable(int maxSymbols) {
        this(maxSymbols, 0);
    }

    /**
     * The publish path: the id of {@code symbol} (already validated against the alphabet),
     * registering it as published if it is new or only subscribed to.
     *
     * @return the id, or {@link #FULL}
     */
    public int register(String symbol) {
        final Entry known = ids.get(symbol);
        if (known != null && known.published) {
            return known.id;
        }
        synchronized (this) {
            if (publishedCount == maxPublished) {
                final Entry again = ids.get(symbol);
                return again != null && again.published ? again.id : FULL;
            }
            Entry e = ids.get(symbol);
            if (e == null) {
                e = allocate(symbol);
            } else if (!e.published) {
                pendingCount--;
            } else {
                return e.id;
            }
            e.published = true;
            publishedCount++;
            return e.id;
        }
    }

    /**
     * The subscribe path: the id of {@code symbol} with one hold taken on it, or {@link #FULL}. A
     * symbol nobody published is created interest-only (within {@code maxPending}); it does not
     * count against {@code maxSymbols}. Each hold is given back with {@link #release}.
     */
    public int acquire(String symbol) {
        final Entry known = ids.get(symbol);
        if (known != null && known.published) {
            return known.id;
        }
        synchronized (this) {
            Entry e = ids.get(symbol);
            if (e == null) {
                // Ids on their way back (retired, not yet past every loop) count too: without them
                // a fast churn of new names would hand out ids past the table's capacity.
                if (pendingCount + retiring >= maxPending) {
                    return FULL;
                }
                e = allocate(symbol);
                pendingCount++;
            }
            if (!e.published) {
                e.holds++;
            }
            return e.id;
        }
    }

    /**
     * Gives back a hold from {@link #acquire}. When it was the last hold on a symbol nobody
     * published, the symbol is retired: its name is free for a new entry, and the caller must have
     * the sequencer reclaim the id (after the caller's own unsubscribe command).
     *
     * @return true when the id was retired and must be reclaimed
     */
    public synchronized boolean release(int id) {
        final Entry e = entries[id];
        if (e == null || e.published || e.holds == 0 || --e.holds > 0) {
            return false;
        }
        ids.remove(names[id]);
        entries[id] = null;
        pendingCount--;
        retiring++;
        return true;
    }

    /** The sequencer and every loop are past the retired {@code retiredIds}: they may be given out again. */
    synchronized void free(int[] retiredIds) {
        for (int id : retiredIds) {
            names[id] = null;
            asciiNames[id] = null;
            freeIds.addInt(id);
            retiring--;
            reclaimed++;
        }
    }

    // Under the lock. The map entry goes in last; the command or ring record that carries the id
    // publishes the arrays to the sequencer.
    private Entry allocate(String symbol) {
        final int id = freeIds.isEmpty() ? nextId++ : freeIds.removeAt(freeIds.size() - 1);
        names[id] = symbol;
        asciiNames[id] = symbol.getBytes(StandardCharsets.US_ASCII);
        final Entry e = new Entry(id);
        entries[id] = e;
        ids.put(symbol, e);
        return e;
    }

    /** The id of a known symbol, or {@link #FULL}; takes no hold. */
    public int idOf(String symbol) {
        final Entry e = ids.get(symbol);
        return e == null ? FULL : e.id;
    }

    /** The symbol of {@code id}. */
    public String name(int id) {
        return names[id];
    }

    /** The symbol's ASCII bytes, cached for the encoder. */
    public byte[] ascii(int id) {
        return asciiNames[id];
    }

    /** Whether a tick was ever published for {@code id}. */
    public synchronized boolean isPublished(int id) {
        final Entry e = entries[id];
        return e != null && e.published;
    }

    /** Interest-only symbols held now. */
    public synchronized int pendingCount() {
        return pendingCount;
    }

    /** Published symbols. */
    public synchronized int publishedCount() {
        return publishedCount;
    }

    /** Interest-only ids given back to the free list so far. */
    public synchronized long reclaimedCount() {
        return reclaimed;
    }

    /**
     * The Redis stream shard of {@code symbol}: {@link String#hashCode()} is specified by the JLS,
     * so every pod maps a symbol to the same shard.
     */
    public static int shardOf(String symbol, int shards) {
        return Math.floorMod(symbol.hashCode(), shards);
    }

    /** Ids: published plus interest-only. */
    public int capacity() {
        return names.length;
    }
}
