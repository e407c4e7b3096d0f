package io.tickfan.client;

import io.tickfan.protocol.Tick;

/** The last seq a client holds for one symbol: the resume point and the gap detector. */
final class SymbolCursor {
    long seq;
    long missing;

    /**
     * Classifies {@code t} against the last seq and advances it.
     *
     * @return a {@link TickStatus}; for {@link TickStatus#GAP} the count is in {@link #missing}
     */
    int advance(Tick t) {
        final long last = seq;
        final long next = t.seq;
        missing = 0;
        if (t.isReset()) {
            seq = next;
            return TickStatus.RESET;
        }
        if (t.isSnapshot()) {
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
        if (t.isConflated()) {
            return TickStatus.CONFLATED;
        }
        missing = next - last - 1;
        return TickStatus.GAP;
    }
}
