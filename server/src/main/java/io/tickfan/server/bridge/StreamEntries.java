package io.tickfan.server.bridge;

import io.tickfan.protocol.Symbols;
import io.tickfan.protocol.Tick;
import java.util.Map;

/**
 * The stream entry format: one entry per append batch, and the position derived from an entry id.
 *
 * <pre>
 * XADD tickfan:{0}:stream MAXLEN ~ 1000000 * e 8fv827n03ueb w 3kx9c1l0q2ab b 1207 q 41,7 t AAPL,0,3,1795...032,1795...833,18912000000,18914000000,0,0,0,0\n
 *                                                                    AAPL,0,3,...\n
 *                                                                    MSFT,0,...
 *   e  epoch the entry was numbered under
 *   d  instead of q and t, in an entry of its own ({@code e 8fv827n03ueb d AAPL,1201,1290}): seqs
 *      1201..1290 of AAPL were handed out by a pod alone while degraded and Redis numbered them
 *      differently; every pod refuses WebSocket resume points in that range
 *   w  the appending pod's writer id, b its batch number (optional: a pod learns from them which
 *      of its own batches Redis applied, see StreamWriter's degraded mode)
 *   q  per run, the seq of its first tick (0: a publisher-numbered tick Redis dropped as not new)
 *   t  one line per tick: symbol, publisher seq (0: Redis numbers it), field mask, exchange ns,
 *      ingest ns, bid, ask, bid size, ask size, last, last size (decimal mantissas, 8 places)
 * </pre>
 *
 * A run is a maximal sequence of consecutive lines of one symbol without publisher seqs; a line
 * with a publisher seq is a run of its own. Writer and reader apply the same rule, so the script
 * only sends back one number per run. Text rather than binary, so {@code redis-cli} shows what is
 * in the stream.
 *
 * <p>Position of the {@code i}th tick of entry {@code <ms>-<n>}: {@code ms << 22 | n << 12 | i}
 * (ms needs 41 bits until 2039; at most 1,024 entries per ms and 4,096 ticks per entry). Every pod
 * reads the same entries, so every pod derives the same position, and an SSE id from one pod is
 * valid on another.
 */
final class StreamEntries {
    static final String EPOCH = "e";
    static final String FIRST_SEQS = "q";
    static final String TICKS = "t";
    static final String WRITER = "w";
    /** A divergence marker entry (no ticks): {@code symbol,fromSeq,toSeq}, see StreamWriter. */
    static final String DIVERGED = "d";

    static final String BATCH = "b";
    static final int LINE_FIELDS = 11;
    static final int MAX_TICKS_PER_ENTRY = 1 << 12;
    private static final int ENTRY_BITS = 10;
    private static final int INDEX_BITS = 12;

    /** Why an entry was skipped; each kind is logged once. */
    enum Malformed {
        MISSING_FIELD,
        BAD_SYMBOL,
        BAD_NUMBER,
        BAD_ID,
        STALE_EPOCH
    }

    private StreamEntries() {}

    /** Whether the tick after {@code prev} (of {@code prevSymbol}, publisher seq {@code prevSeq}) starts a run. */
    static boolean startsRun(String prevSymbol, long prevSeq, String symbol, long seq) {
        return prevSymbol == null || seq != 0 || prevSeq != 0 || !prevSymbol.equals(symbol);
    }

    /** Appends one payload line for {@code tick} (publisher seq in {@code tick.seq}). */
    static void writeLine(StringBuilder out, String symbol, Tick tick, long ingestTimeNs) {
        out.append(symbol)
                .append(',')
                .append(tick.seq)
                .append(',')
                .append(tick.fieldMask)
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
                .append(tick.lastSize)
                .append('\n');
    }

    /** The ticks of one entry, parsed into reused holders; reader thread only. */
    static final class EntryTicks {
        final Tick[] ticks = new Tick[MAX_TICKS_PER_ENTRY];
        /** Per tick: false when Redis dropped it (a publisher seq that was not new). */
        final boolean[] kept = new boolean[MAX_TICKS_PER_ENTRY];

        int count;
        private final long[] fields = new long[LINE_FIELDS];
        private final long[] firsts = new long[MAX_TICKS_PER_ENTRY];

        EntryTicks() {
            for (int i = 0; i < ticks.length; i++) {
                ticks[i] = new Tick();
            }
        }

        /**
         * Parses an entry's fields; all or nothing.
         *
         * @return null when the entry is well formed, else what is wrong with it
         */
        Malformed read(Map<String, String> body) {
            count = 0;
            final String q = body.get(FIRST_SEQS);
            final String t = body.get(TICKS);
            if (q == null || t == null || body.get(EPOCH) == null) {
                return Malformed.MISSING_FIELD;
            }
            int runs = 0;
            for (int start = 0; start <= q.length(); ) {
                int end = q.indexOf(',', start);
                if (end < 0) {
                    end = q.length();
                }
                final long v = parseLong(q, start, end);
                if (v < 0 || runs == firsts.length) {
                    return Malformed.BAD_NUMBER;
                }
                firsts[runs++] = v;
                start = end + 1;
            }
            int run = -1;
            long next = 0;
            String prevSymbol = null;
            long prevSeq = 0;
            for (int start = 0; start < t.length(); ) {
                int end = t.indexOf('\n', start);
                if (end < 0) {
                    end = t.length();
                }
                if (count == MAX_TICKS_PER_ENTRY) {
                    return Malformed.BAD_NUMBER;
                }
                final int comma = t.indexOf(',', start);
                if (comma <= start || comma > end) {
                    return Malformed.BAD_NUMBER;
                }
                final String symbol = prevSymbol != null
                                && t.regionMatches(start, prevSymbol, 0, comma - start)
                                && prevSymbol.length() == comma - start
                        ? prevSymbol
                        : t.substring(start, comma);
                if (!Symbols.isValid(symbol)) {
                    return Malformed.BAD_SYMBOL;
                }
                if (!parseFields(t, comma + 1, end)) {
                    return Malformed.BAD_NUMBER;
                }
                final long publisherSeq = fields[0];
                if (startsRun(prevSymbol, prevSeq, symbol, publisherSeq)) {
                    if (++run == runs) {
                        return Malformed.BAD_NUMBER;
                    }
                    next = firsts[run];
                }
                final Tick tick = ticks[count];
                tick.clear();
                tick.symbol = symbol;
                tick.seq = next;
                kept[count] = next > 0;
                if (next > 0 && publisherSeq == 0) {
                    next++;
                }
                tick.fieldMask = (int) fields[1];
                tick.exchangeTimeNs = fields[2];
                tick.ingestTimeNs = fields[3];
                tick.bid = fields[4];
                tick.ask = fields[5];
                tick.bidSize = fields[6];
                tick.askSize = fields[7];
                tick.last = fields[8];
                tick.lastSize = fields[9];
                if ((tick.fieldMask & ~Tick.ALL_FIELDS) != 0 || tick.fieldMask == 0 || publisherSeq < 0) {
                    return Malformed.BAD_NUMBER;
                }
                count++;
                prevSymbol = symbol;
                prevSeq = publisherSeq;
                start = end + 1;
            }
            return run + 1 == runs && count > 0 ? null : Malformed.BAD_NUMBER;
        }

        /** The {@code LINE_FIELDS - 1} numbers after the symbol, into {@link #fields}. */
        private boolean parseFields(String s, int from, int to) {
            int start = from;
            for (int i = 0; i < LINE_FIELDS - 1; i++) {
                int end = s.indexOf(',', start);
                if (end < 0 || end > to) {
                    end = to;
                }
                if (end == start || (i < LINE_FIELDS - 2 && end == to)) {
                    return false;
                }
                final long v = parseLong(s, start, end);
                if (v == Long.MIN_VALUE) {
                    return false;
                }
                fields[i] = v;
                start = end + 1;
            }
            return start == to + 1;
        }
    }

    /** A divergence marker's symbol, or null when {@code d} is malformed; its seqs into {@code fromTo}. */
    static String parseDiverged(String d, long[] fromTo) {
        final int a = d.indexOf(',');
        final int b = a < 0 ? -1 : d.indexOf(',', a + 1);
        if (a <= 0 || b < 0) {
            return null;
        }
        final String symbol = d.substring(0, a);
        fromTo[0] = parseLong(d, a + 1, b);
        fromTo[1] = parseLong(d, b + 1, d.length());
        return Symbols.isValid(symbol) && fromTo[0] > 0 && fromTo[1] >= fromTo[0] ? symbol : null;
    }

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

    /** The position of tick {@code index} of entry {@code <ms>-<n>}, or -1 if the id does not fit. */
    static long position(String id, int index) {
        final int dash = id.indexOf('-');
        if (dash <= 0) {
            return -1;
        }
        final long ms = parseLong(id, 0, dash);
        final long n = parseLong(id, dash + 1, id.length());
        if (ms < 0 || n < 0 || n >= (1L << ENTRY_BITS) || ms >= (1L << (63 - ENTRY_BITS - INDEX_BITS))) {
            return -1;
        }
        return (ms << ENTRY_BITS | n) << INDEX_BITS | index;
    }

    /** Compares two entry ids numerically. */
    static int compareIds(String a, String b) {
        final int da = a.indexOf('-');
        final int db = b.indexOf('-');
        final int byMs = Long.compare(parseLong(a, 0, da), parseLong(b, 0, db));
        return byMs != 0 ? byMs : Long.compare(parseLong(a, da + 1, a.length()), parseLong(b, db + 1, b.length()));
    }
}
