package io.tickfan.server.fanout;

import java.util.Arrays;

/**
 * A subscriber's symbols and their states: an open-addressing map from symbol id (0 and up) to an
 * int state, keys and values side by side in one array, linear probing, deletion by backward shift
 * (no tombstones). It starts at two slots, so the usual connection (one to a few symbols) holds one
 * 32-byte array; a general map starts at eight or sixteen slots and holds objects of its own.
 * Looked up once per delivered tick, on the subscriber's loop only; not thread-safe.
 */
final class SubscriptionMap {
    private static final int MIN_CAPACITY = 2;

    private final int missingValue;
    /** {@code [2i]}: key + 1, 0 for an empty slot; {@code [2i + 1]}: its value. */
    private int[] entries = new int[2 * MIN_CAPACITY];

    private int size;

    /** @param missingValue what {@link #get} answers for an absent key; never stored */
    SubscriptionMap(int missingValue) {
        this.missingValue = missingValue;
    }

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** The value of {@code key}, or the missing value. */
    int get(int key) {
        if (key < 0) {
            return missingValue; // never stored (-1 + 1 would read as an empty slot)
        }
        final int[] e = entries;
        final int mask = (e.length >> 1) - 1;
        final int stored = key + 1;
        for (int i = slot(key, mask); ; i = (i + 1) & mask) {
            final int k = e[i << 1];
            if (k == stored) {
                return e[(i << 1) + 1];
            }
            if (k == 0) {
                return missingValue;
            }
        }
    }

    /** Sets {@code key} to {@code value}; returns the previous value or the missing value. */
    int put(int key, int value) {
        if (key < 0 || key == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("key " + key);
        }
        if (value == missingValue) {
            throw new IllegalArgumentException("the missing value cannot be stored");
        }
        final int[] e = entries;
        final int mask = (e.length >> 1) - 1;
        final int stored = key + 1;
        int i = slot(key, mask);
        for (; e[i << 1] != 0; i = (i + 1) & mask) {
            if (e[i << 1] == stored) {
                final int previous = e[(i << 1) + 1];
                e[(i << 1) + 1] = value;
                return previous;
            }
        }
        e[i << 1] = stored;
        e[(i << 1) + 1] = value;
        final int capacity = mask + 1;
        if (++size > (capacity >> 1) + (capacity >> 2)) {
            rehash(capacity << 1);
        }
        return missingValue;
    }

    /** Removes {@code key}; returns its value, or the missing value if it was absent. */
    int remove(int key) {
        if (key < 0) {
            return missingValue;
        }
        final int[] e = entries;
        final int mask = (e.length >> 1) - 1;
        final int stored = key + 1;
        int hole = slot(key, mask);
        while (e[hole << 1] != stored) {
            if (e[hole << 1] == 0) {
                return missingValue;
            }
            hole = (hole + 1) & mask;
        }
        final int previous = e[(hole << 1) + 1];
        size--;
        // Backward shift: pull later entries of the run into the hole when their home slot is not
        // between the hole and where they sit, so every lookup still finds them before an empty slot.
        for (int j = (hole + 1) & mask; e[j << 1] != 0; j = (j + 1) & mask) {
            final int home = slot(e[j << 1] - 1, mask);
            final boolean movable = hole <= j ? home <= hole || home > j : home <= hole && home > j;
            if (movable) {
                e[hole << 1] = e[j << 1];
                e[(hole << 1) + 1] = e[(j << 1) + 1];
                hole = j;
            }
        }
        e[hole << 1] = 0;
        e[(hole << 1) + 1] = 0;
        return previous;
    }

    /** The keys, in no particular order, in a new array. */
    int[] keys() {
        final int[] keys = new int[size];
        int n = 0;
        for (int i = 0; i < entries.length; i += 2) {
            if (entries[i] != 0) {
                keys[n++] = entries[i] - 1;
            }
        }
        return keys;
    }

    private void rehash(int capacity) {
        final int[] old = entries;
        final int[] e = new int[2 * capacity];
        final int mask = capacity - 1;
        for (int i = 0; i < old.length; i += 2) {
            if (old[i] != 0) {
                int j = slot(old[i] - 1, mask);
                while (e[j << 1] != 0) {
                    j = (j + 1) & mask;
                }
                e[j << 1] = old[i];
                e[(j << 1) + 1] = old[i + 1];
            }
        }
        entries = e;
    }

    private static int slot(int key, int mask) {
        final int h = key * 0x9E3779B9;
        return (h ^ (h >>> 16)) & mask;
    }

    @Override
    public String toString() {
        return "SubscriptionMap" + Arrays.toString(keys());
    }
}
