package io.tickfan.protocol;

/**
 * One tick: a mutable flyweight reused by encoders and decoders so that the hot path allocates
 * nothing. Prices and sizes are {@link Decimals} mantissas; a field is present only when its bit
 * is set in {@link #fieldMask}.
 *
 * <p>Times are nanoseconds since the Unix epoch: {@link #exchangeTimeNs} comes from the publisher
 * (for load tests it is the intended send time), {@link #ingestTimeNs} is stamped by the server
 * when the tick enters the ingest ring.
 */
public final class Tick {
    public static final int BID = 1;
    public static final int ASK = 1 << 1;
    public static final int BID_SIZE = 1 << 2;
    public static final int ASK_SIZE = 1 << 3;
    public static final int LAST = 1 << 4;
    public static final int LAST_SIZE = 1 << 5;
    public static final int ALL_FIELDS = BID | ASK | BID_SIZE | ASK_SIZE | LAST | LAST_SIZE;

    /** The tick is the symbol's latest value sent on subscribe, not a live update. */
    public static final int FLAG_SNAPSHOT = 1;
    /** A resume could not be honoured (gap older than history, unknown epoch): treat this as a fresh snapshot. */
    public static final int FLAG_RESET = 1 << 1;
    /** Ticks before this one were skipped for this client (conflation): its seq may jump. */
    public static final int FLAG_CONFLATED = 1 << 2;

    public String symbol;
    /** Per-symbol sequence number, from 1; 0 when a publisher leaves it to the server. */
    public long seq;

    public long exchangeTimeNs;
    public long ingestTimeNs;
    public long bid;
    public long ask;
    public long bidSize;
    public long askSize;
    public long last;
    public long lastSize;
    /** Which price and size fields are present: a union of {@link #BID} .. {@link #LAST_SIZE}. */
    public int fieldMask;
    /** {@link #FLAG_SNAPSHOT}, {@link #FLAG_RESET}, {@link #FLAG_CONFLATED}. */
    public int flags;

    /** Clears every field, for reuse. */
    public Tick clear() {
        symbol = null;
        seq = 0;
        exchangeTimeNs = 0;
        ingestTimeNs = 0;
        bid = 0;
        ask = 0;
        bidSize = 0;
        askSize = 0;
        last = 0;
        lastSize = 0;
        fieldMask = 0;
        flags = 0;
        return this;
    }

    /** Copies every field of {@code other} into this tick. */
    public Tick copyFrom(Tick other) {
        symbol = other.symbol;
        seq = other.seq;
        exchangeTimeNs = other.exchangeTimeNs;
        ingestTimeNs = other.ingestTimeNs;
        bid = other.bid;
        ask = other.ask;
        bidSize = other.bidSize;
        askSize = other.askSize;
        last = other.last;
        lastSize = other.lastSize;
        fieldMask = other.fieldMask;
        flags = other.flags;
        return this;
    }

    /**
     * Overlays the fields present in {@code update} on this tick (the merged "last value" of a
     * symbol): a trade keeps the last quote and a quote keeps the last trade.
     */
    public void mergeFrom(Tick update) {
        final int mask = update.fieldMask;
        if ((mask & BID) != 0) {
            bid = update.bid;
        }
        if ((mask & ASK) != 0) {
            ask = update.ask;
        }
        if ((mask & BID_SIZE) != 0) {
            bidSize = update.bidSize;
        }
        if ((mask & ASK_SIZE) != 0) {
            askSize = update.askSize;
        }
        if ((mask & LAST) != 0) {
            last = update.last;
        }
        if ((mask & LAST_SIZE) != 0) {
            lastSize = update.lastSize;
        }
        fieldMask |= mask;
        exchangeTimeNs = update.exchangeTimeNs;
        ingestTimeNs = update.ingestTimeNs;
    }

    public boolean has(int field) {
        return (fieldMask & field) != 0;
    }

    public boolean isSnapshot() {
        return (flags & FLAG_SNAPSHOT) != 0;
    }

    public boolean isReset() {
        return (flags & FLAG_RESET) != 0;
    }

    public boolean isConflated() {
        return (flags & FLAG_CONFLATED) != 0;
    }

    @Override
    public String toString() {
        return "Tick{" + symbol + " seq=" + seq + " bid=" + Decimals.toString(bid) + " ask=" + Decimals.toString(ask)
                + " last=" + Decimals.toString(last) + " mask=" + fieldMask + " flags=" + flags + '}';
    }
}
