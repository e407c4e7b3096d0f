package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;
import java.nio.charset.StandardCharsets;

/**
 * A resume the sequencer's history cannot serve: the ticks of one symbol after a seq (WebSocket
 * {@code since}) or after a position (SSE {@code Last-Event-ID}), asked of the broker ({@link
 * Broker#requestBackfill}; the Redis bridge reads the shard's stream). The subscribe waits (its
 * symbols stay pending, live ticks are not lost: history keeps them) until the broker hands the
 * request back through {@link BrokerPort#backfilled}, completed or failed; a failure is answered
 * with {@code reset}.
 *
 * <p>Created and read by the sequencer, filled by the source's thread; the hand-off through the
 * engine's command queue orders the two.
 */
public final class BackfillRequest {
    final int symbolId;
    private final String symbol;
    private final long afterSeq;
    private final long afterPosition;
    private final int fieldMask;
    final byte[] epochAscii;
    /** The deferred subscribe this request belongs to (sequencer only). */
    Backfills.Deferred owner;

    private Tick[] ticks;
    private long[] positions;
    private int count;
    private boolean ok;

    BackfillRequest(int symbolId, String symbol, long afterSeq, long afterPosition, int fieldMask, byte[] epochAscii) {
        this.symbolId = symbolId;
        this.symbol = symbol;
        this.afterSeq = afterSeq;
        this.afterPosition = afterPosition;
        this.fieldMask = fieldMask;
        this.epochAscii = epochAscii;
    }

    public String symbol() {
        return symbol;
    }

    /** The epoch the ticks must be numbered under. */
    public String epoch() {
        return new String(epochAscii, StandardCharsets.US_ASCII);
    }

    /** The ticks wanted have seq above this; -1 when the resume is by position. */
    public long afterSeq() {
        return afterSeq;
    }

    /** The ticks wanted have position above this; -1 when the resume is by seq. */
    public long afterPosition() {
        return afterPosition;
    }

    /**
     * Every field the symbol has now. Ticks go out merged (every field as of that update), so the
     * source must also find, before the range, the latest value of each of these fields.
     */
    public int fieldMask() {
        return fieldMask;
    }

    /**
     * The source found the range: {@code merged[0..count)} oldest first, each the symbol's merged
     * state as of that tick with its seq, and each tick's position. Takes the arrays over.
     */
    public void complete(Tick[] merged, long[] positionsOfTicks, int tickCount) {
        this.ticks = merged;
        this.positions = positionsOfTicks;
        this.count = tickCount;
        this.ok = true;
    }

    /** The source could not serve the range within its bounds: the client gets {@code reset}. */
    public void fail() {
        this.ok = false;
    }

    boolean ok() {
        return ok;
    }

    int count() {
        return count;
    }

    Tick tick(int i) {
        return ticks[i];
    }

    long position(int i) {
        return positions[i];
    }
}
