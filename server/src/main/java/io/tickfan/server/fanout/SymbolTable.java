package io.tickfan.server.fanout;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps symbols to dense ids, shared by every thread. Lookups of known symbols are lock-free reads;
 * registering a new symbol takes the map's bin lock once. The id is what crosses the ingest ring,
 * so the sequencer never hashes a string per tick.
 */
public final class SymbolTable {
    /** Returned by {@link #register} when the table holds its maximum. */
    public static final int FULL = -1;

    private final ConcurrentHashMap<String, Integer> ids = new ConcurrentHashMap<>();
    private final String[] names;
    private final byte[][] asciiNames;
    private int nextId;

    public SymbolTable(int maxSymbols) {
        this.names = new String[maxSymbols];
        this.asciiNames = new byte[maxSymbols][];
    }

    /**
     * The id of {@code symbol} (already validated against the alphabet), registering it if new.
     *
     * @return the id, or {@link #FULL}
     */
    public int register(String symbol) {
        final Integer id = ids.get(symbol);
        if (id != null) {
            return id;
        }
        final Integer created = ids.computeIfAbsent(symbol, this::allocate);
        return created == null ? FULL : created;
    }

    /** The id of a known symbol, or {@link #FULL} if it was never registered. */
    public int idOf(String symbol) {
        final Integer id = ids.get(symbol);
        return id == null ? FULL : id;
    }

    // Runs under the map's bin lock; the ring commit that follows publishes the arrays to the sequencer.
    private synchronized Integer allocate(String symbol) {
        if (nextId == names.length) {
            return null;
        }
        final int id = nextId++;
        names[id] = symbol;
        asciiNames[id] = symbol.getBytes(StandardCharsets.US_ASCII);
        return id;
    }

    /** The symbol of {@code id}. */
    public String name(int id) {
        return names[id];
    }

    /** The symbol's ASCII bytes, cached for the encoder. */
    public byte[] ascii(int id) {
        return asciiNames[id];
    }

    /**
     * The Redis stream shard of {@code symbol}: {@link String#hashCode()} is specified by the JLS,
     * so every pod maps a symbol to the same shard.
     */
    public static int shardOf(String symbol, int shards) {
        return Math.floorMod(symbol.hashCode(), shards);
    }

    public int capacity() {
        return names.length;
    }
}
