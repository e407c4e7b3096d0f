package io.tickfan.client;

import io.tickfan.protocol.Tick;
import java.util.Arrays;
import java.util.Collection;

/**
 * A client's cursors found by a symbol's bytes and hash (as {@link TickScanner} reports them), so a
 * tick needs no {@code String}. Open addressing over a power-of-two array, rebuilt whenever the
 * subscriptions change (rarely); lookups allocate nothing.
 */
final class SymbolTable {
    static final SymbolTable EMPTY = new SymbolTable(java.util.List.of());

    private final SymbolCursor[] slots;
    private final int[] hashes;
    private final int mask;

    SymbolTable(Collection<SymbolCursor> cursors) {
        int capacity = 2;
        while (capacity < cursors.size() * 2) {
            capacity <<= 1;
        }
        this.slots = new SymbolCursor[capacity];
        this.hashes = new int[capacity];
        this.mask = capacity - 1;
        for (SymbolCursor c : cursors) {
            final int h = c.symbol.hashCode();
            int i = spread(h) & mask;
            while (slots[i] != null) {
                i = (i + 1) & mask;
            }
            slots[i] = c;
            hashes[i] = h;
        }
    }

    /** The cursor whose symbol is {@code b[offset, offset + length)}, or null. */
    SymbolCursor find(byte[] b, int offset, int length, int hash) {
        int i = spread(hash) & mask;
        SymbolCursor c;
        while ((c = slots[i]) != null) {
            if (hashes[i] == hash
                    && c.symbolBytes.length == length
                    && Arrays.equals(c.symbolBytes, 0, length, b, offset, offset + length)) {
                return c;
            }
            i = (i + 1) & mask;
        }
        return null;
    }

    /**
     * The cursor of the tick in {@code bytes[0, length)}, read by {@code scanner}, when it is a tick
     * of a subscribed symbol; {@code tick} is then cleared and given its symbol, seq, time and flags.
     * Null when the scanner does not take the message or the symbol is not subscribed ({@code tick}
     * untouched). The cursor is not advanced.
     */
    SymbolCursor scanned(TickScanner scanner, byte[] bytes, int length, Tick tick) {
        if (!scanner.scan(bytes, 0, length)) {
            return null;
        }
        final SymbolCursor cursor = find(bytes, scanner.symbolOffset, scanner.symbolLength, scanner.symbolHash);
        if (cursor == null) {
            return null;
        }
        tick.clear();
        tick.symbol = cursor.symbol;
        tick.seq = scanner.seq;
        tick.exchangeTimeNs = scanner.timeNs;
        tick.flags = scanner.flags;
        return cursor;
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
