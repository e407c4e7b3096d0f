package io.tickfan.client;

import io.tickfan.protocol.Tick;
import java.nio.charset.StandardCharsets;

/** The last seq a client holds for one symbol: the resume point and the gap detector. */
final class SymbolCursor {
    /** The symbol, or null for a cursor used on its own (tests). */
    final String symbol;
    /** The symbol's UTF-8 bytes, matched against a tick's {@code sym} without making a string. */
    final byte[] symbolBytes;

    long seq;
    long missing;

    SymbolCursor() {
        this(null);
    }

    SymbolCursor(String symbol) {
        this.symbol = symbol;
        this.symbolBytes = symbol == null ? new byte[0] : symbol.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Classifies {@code t} against the last seq and advances it.
     *
     * @return a {@link TickStatus}; for {@link TickStatus#GAP} the count is in {@link #missing}
     */
    int advance(Tick t) {
        return advance(t.seq, t.flags);
    }

    /** {@link #advance(Tick)} for a tick's seq and {@link Tick#flags}. */
    int advance(long next, int flags) {
        final long last = seq;
        missing = 0;
        if ((flags & Tick.FLAG_RESET) != 0) {
            seq = next;
            return TickStatus.RESET;
        }
        if ((flags & Tick.FLAG_SNAPSHOT) != 0) {
            if (next < last) {
                return TickStatus.DUPLICATE;
            }
            seq = next;
            return TickStatus.SNAPSHOT;
        }
        if (last == 0) {
            seq = next;
            return TickStatus.FIRST;
        }
        if (next == last + 1) {
            seq = next;
            return TickStatus.IN_ORDER;
        }
        if (next <= last) {
            return TickStatus.DUPLICATE;
        }
        seq = next;
        if ((flags & Tick.FLAG_CONFLATED) != 0) {
            return TickStatus.CONFLATED;
        }
        missing = next - last - 1;
        return TickStatus.GAP;
    }
}
