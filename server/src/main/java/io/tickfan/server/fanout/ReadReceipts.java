package io.tickfan.server.fanout;

import java.util.concurrent.TimeUnit;

/**
 * Read receipts of one connection: the transport sends a numbered receipt (a WebSocket ping, an
 * HTTP/2 PING) at most every {@code outbound.readReceiptMs} while ticks flow, and the peer answers
 * each once it has read up to it. A receipt travels behind every byte written before it, so the
 * answers show the peer reading, wherever the bytes waited (kernel buffers included).
 *
 * <p>Only a peer that has answered a receipt is judged by them: one that never answers any (a client
 * that ignores pings) is left to the byte-based checks, as with receipts off. The first receipt is
 * due at once, so a peer shows early whether it answers.
 *
 * <p>Judged by progress, not by delay: {@link #stalledSinceNs()} is when the peer last showed it
 * reads (the later of its last answer and the oldest receipt it still owes). A reader that stopped
 * answers nothing and is seen within the lag allowance; a reader that is behind but keeps reading
 * (a burst it is working through) answers late but answers, and is left to the byte-based checks.
 * Receipts are asked at the same pace whether or not some are owed: a reader's answers then come at
 * the spacing of its backlog divided by how fast it reads, so it is judged stalled if it reads at
 * less than about half the rate it is sent ({@code outbound.readReceiptMs} of ticks take it longer
 * than {@code outbound.lagConflateMs}), and is then falling behind by half a second every second.
 * Asking more often while owed would tolerate slower readers, but costs a ping and its answer each
 * time (a read event on the server, a write on the client) on every connection that is behind at
 * once, which is when the machine has least to spare: a loadgen broadcast run (1,000 connections)
 * used 15-55% more server CPU per delivery with pings four times as often while owed (load
 * average 8-16). Up to {@link
 * #MAX_OUTSTANDING} receipts are in flight at once (4 s of backlog at the default 500 ms; a reader further behind is
 * asked again once it answers one). Small, since every WebSocket session that subscribed holds one.
 *
 * <p>Touched only on the connection's event loop.
 */
public final class ReadReceipts {
    /** Receipts in flight at most; past that none is sent until one is answered. */
    public static final int MAX_OUTSTANDING = 8;

    private final long intervalNs;
    /**
     * When each outstanding receipt was sent, by number modulo {@link #MAX_OUTSTANDING}; made the
     * first time a second receipt is sent while one is owed. Until then (for a reader that keeps up,
     * usually for good) one is owed at most, and its time is {@link #askedOneNs}: eighty bytes fewer
     * per subscribed connection.
     */
    private long[] askedNs;

    private long askedOneNs;
    /** Number of the next receipt; receipts {@code [oldest, next)} are outstanding. */
    private long next = 1;

    private long oldest = 1;
    private long lastAskedNs;
    private long lastAnsweredNs;
    /** Whether the peer has answered any receipt: until it has, it is not judged by them. */
    private boolean answering;

    /** @param intervalMs at most one receipt per this interval; 0: never ask */
    public ReadReceipts(long intervalMs, long nowNs) {
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.lastAskedNs = nowNs - intervalNs;
        this.lastAnsweredNs = nowNs;
    }

    /**
     * Called when ticks were flushed: the number of a receipt to send now, or 0 when none is due (too
     * soon after the last, or {@link #MAX_OUTSTANDING} unanswered).
     */
    public long due(long nowNs) {
        if (intervalNs <= 0 || nowNs - lastAskedNs < intervalNs || next - oldest >= MAX_OUTSTANDING) {
            return 0;
        }
        lastAskedNs = nowNs;
        if (askedNs == null) {
            if (next == oldest) {
                askedOneNs = nowNs; // none owed: this one alone
                return next++;
            }
            askedNs = new long[MAX_OUTSTANDING];
            askedNs[(int) (oldest % MAX_OUTSTANDING)] = askedOneNs;
        }
        askedNs[(int) (next % MAX_OUTSTANDING)] = nowNs;
        return next++;
    }

    /** The peer answered receipt {@code number} (and so every one before it); others are ignored. */
    public void answered(long number, long nowNs) {
        if (number >= oldest && number < next) {
            oldest = number + 1;
            lastAnsweredNs = nowNs;
            answering = true;
        }
    }

    /** Whether receipt {@code number} is still unanswered and nothing was answered since it was sent. */
    public boolean unansweredSinceSent(long number) {
        return number >= oldest && number < next && lastAnsweredNs - askedAtNs(number) < 0;
    }

    /**
     * Since when ({@link System#nanoTime()}, never 0) the peer has shown no progress while owing a
     * receipt, or 0: nothing owed, or the peer has never answered one (it is not judged by receipts).
     */
    public long stalledSinceNs() {
        if (oldest == next || !answering) {
            return 0;
        }
        final long oldestAskedNs = askedAtNs(oldest);
        return (lastAnsweredNs - oldestAskedNs > 0 ? lastAnsweredNs : oldestAskedNs) | 1;
    }

    /** When outstanding receipt {@code number} was sent. */
    private long askedAtNs(long number) {
        return askedNs == null ? askedOneNs : askedNs[(int) (number % MAX_OUTSTANDING)];
    }
}
