package io.tickfan.server.bridge;

import io.tickfan.protocol.Symbols;
import io.tickfan.protocol.Tick;
import java.util.Map;

/**
 * The stream entry format and the position derived from an entry id.
 *
 * <pre>
 * XADD tickfan:{0}:stream MAXLEN ~ 1000000 * e 8fv827n03ueb s AAPL q 42 d 63,1795435394737057032,1795435394737057833,18912000000,18914000000,300,200,0,0
 *                                            epoch        symbol seq  field mask, exchange ns, ingest ns, bid, ask, bsz, asz, last, lsz
 * </pre>
 *
 * Prices and sizes are the decimal mantissas (8 places), as text so that {@code redis-cli} shows
 * what is in the stream. The position of an entry is its id {@code <ms>-<n>} packed as {@code ms
 * << 20 | n}: every pod reads the same id, so the SSE event id it derives is the same on every pod.
 */
final class StreamEntries {
    static final String EPOCH = "e";
    static final String SYMBOL = "s";
    static final String SEQ = "q";
    static final String DATA = "d";
    static final int DATA_FIELDS = 9;
    private static final int ID_SEQ_BITS = 20;

    /** Why an entry was skipped; each kind is logged once. */
    enum Malformed {
        MISSING_FIELD,
        BAD_SYMBOL,
        BAD_NUMBER,
        BAD_ID,
        STALE_EPOCH
    }

    private StreamEntries() {}

    /** The {@code d} field of {@code tick}, into {@code out} (cleared first). */
    static void writeData(StringBuilder out, Tick tick, long ingestTimeNs) {
        out.setLength(0);
        out.append(tick.fieldMask)
                .append(',')
                .append(tick.exchangeTimeNs)
                .append(',')
                .append(ingestTimeNs)
                .append(',')
                .append(tick.bid)
                .append(',')
                .append(tick.ask)
                .append(',')
                .append(tick.bidSize)
                .append(',')
                .append(tick.askSize)
                .append(',')
                .append(tick.last)
                .append(',')
                .append(tick.lastSize);
    }

    /**
     * Fills {@code tick} (cleared first) from an entry's fields.
     *
     * @return null when the entry is well formed, else what is wrong with it
     */
    static Malformed read(Map<String, String> body, Tick tick) {
        final String symbol = body.get(SYMBOL);
        final String seq = body.get(SEQ);
        final String data = body.get(DATA);
        if (symbol == null || seq == null || data == null || body.get(EPOCH) == null) {
            return Malformed.MISSING_FIELD;
        }
        if (!Symbols.isValid(symbol)) {
            return Malformed.BAD_SYMBOL;
        }
        tick.clear();
        tick.symbol = symbol;
        tick.seq = parseLong(seq, 0, seq.length());
        if (tick.seq <= 0) {
            return Malformed.BAD_NUMBER;
        }
        final long[] fields = FIELDS.get();
        int start = 0;
        for (int i = 0; i < DATA_FIELDS; i++) {
            int end = data.indexOf(',', start);
            if (end < 0) {
                end = data.length();
            }
            if (end == start || (i < DATA_FIELDS - 1 && end == data.length())) {
                return Malformed.BAD_NUMBER;
            }
            final long v = parseLong(data, start, end);
            if (v == Long.MIN_VALUE) {
                return Malformed.BAD_NUMBER;
            }
            fields[i] = v;
            start = end + 1;
        }
        if (start <= data.length()) {
            return Malformed.BAD_NUMBER; // trailing fields
        }
        if ((fields[0] & ~Tick.ALL_FIELDS) != 0 || fields[0] == 0) {
            return Malformed.BAD_NUMBER;
        }
        tick.fieldMask = (int) fields[0];
        tick.exchangeTimeNs = fields[1];
        tick.ingestTimeNs = fields[2];
        tick.bid = fields[3];
        tick.ask = fields[4];
        tick.bidSize = fields[5];
        tick.askSize = fields[6];
        tick.last = fields[7];
        tick.lastSize = fields[8];
        return null;
    }

    private static final ThreadLocal<long[]> FIELDS = ThreadLocal.withInitial(() -> new long[DATA_FIELDS]);

    /** A decimal long in {@code s[from, to)}, optionally negative; {@link Long#MIN_VALUE} if not one. */
    static long parseLong(String s, int from, int to) {
        if (from >= to || to - from > 19) {
            return Long.MIN_VALUE;
        }
        boolean negative = false;
        int i = from;
        if (s.charAt(i) == '-') {
            negative = true;
            if (++i == to) {
                return Long.MIN_VALUE;
            }
        }
        long v = 0;
        for (; i < to; i++) {
            final char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return Long.MIN_VALUE;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    /** The position of entry id {@code <ms>-<n>}, or -1 if it is not one (or n needs over 20 bits). */
    static long position(String id) {
        final int dash = id.indexOf('-');
        if (dash <= 0) {
            return -1;
        }
        final long ms = parseLong(id, 0, dash);
        final long n = parseLong(id, dash + 1, id.length());
        if (ms < 0 || n < 0 || n >= (1L << ID_SEQ_BITS) || ms >= (1L << (63 - ID_SEQ_BITS))) {
            return -1;
        }
        return ms << ID_SEQ_BITS | n;
    }

    /** Compares two entry ids numerically. */
    static int compareIds(String a, String b) {
        final int da = a.indexOf('-');
        final int db = b.indexOf('-');
        final int byMs = Long.compare(parseLong(a, 0, da), parseLong(b, 0, db));
        return byMs != 0 ? byMs : Long.compare(parseLong(a, da + 1, a.length()), parseLong(b, db + 1, b.length()));
    }
}
