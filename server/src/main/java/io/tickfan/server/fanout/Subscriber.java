package io.tickfan.server.fanout;

import java.util.Arrays;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The engine's state of one connection (or SSE stream, or long poll) that receives ticks: its
 * subscriptions, per-symbol throttles, conflation while it lags and the slow-consumer decision.
 * The transport is a {@link TickSink} it writes to; transports do not extend this class. Lives on
 * one event loop and is touched only there. Its {@link LoopDispatcher} hands it every tick of its
 * symbols and calls {@link #flushBatch} once per batch, which writes the batch to the sink in one
 * {@link TickSink#writeTicks} and flushes it once, so ticks bound for one connection share one
 * write system call.
 *
 * <p>Slow consumers: when a batch leaves bytes unwritten after its flush (past the write-buffer
 * high-water mark, or a closed HTTP/2 stream window), ticks are no longer written but conflated,
 * the latest per symbol kept, so memory stays bounded by the number of subscriptions. When the
 * transport drains, the held ticks go out re-encoded with the conflated flag ({@code "cf":true}:
 * the client's seq jumps on purpose). A subscriber still lagging {@code slowConsumerTimeoutNs}
 * after it started is closed ({@link TickSink#closeSlowConsumer()}).
 *
 * <p>Lagging is judged by age as well as by bytes: a subscriber whose sink still holds bytes of
 * earlier batches as every batch comes, for {@code lagConflateNs} ({@link TickSink#hasBacklog()}: the kernel took none of
 * them, its reader does not read), or owes a read receipt that long, is conflated even below the
 * high-water mark. At a modest rate a stalled reader would otherwise take minutes to fill the
 * water mark. The check costs one look at the outbound buffer per flush (and a clock read while it
 * holds bytes), never one per tick.
 */
public final class Subscriber {
    static final int NOT_SUBSCRIBED = 0;
    static final int PENDING = 1;
    static final int ACTIVE = 2;

    /** Symbol id to {@link #PENDING} (reply not yet delivered) or {@link #ACTIVE}. */
    final SubscriptionMap subscriptions = new SubscriptionMap(NOT_SUBSCRIBED);

    /** Set while this subscriber sits in its dispatcher's list of channels to flush. */
    boolean dirty;

    private final TickSink sink;
    /** How long a backlog or an unanswered receipt may last before the subscriber is conflated. */
    private final long lagConflateNs;
    /** How long the subscriber may lag (stay conflated) before its sink is closed. */
    private final long slowConsumerTimeoutNs;

    private static final EncodedTick[] NO_TICKS = new EncodedTick[0];

    /**
     * Ticks handed over in the current batch and not yet written, in order. Not retained: whoever
     * handed them over keeps its reference until {@link #flushBatch()} returns (the dispatcher
     * releases a batch's ticks after flushing every subscriber).
     */
    private EncodedTick[] queued = NO_TICKS;

    private int queuedCount;
    /**
     * Ticks handed to the transport for writing (conflated ones included), counted per batch on the
     * loop; read by the metrics from any thread (a plain long: a scrape may see it a batch late).
     */
    private long ticksWritten;
    /**
     * Batches those ticks went out in: one per writeTicks call and one per conflated catch-up, so
     * ticksWritten / batchesWritten is how many ticks a write carried (coalescing under load); as
     * {@link #ticksWritten}.
     */
    private long batchesWritten;
    /** Bytes of the ticks handed to the transport (their frames or events, nothing around them); as {@link #ticksWritten}. */
    private long tickBytesWritten;
    /** Ticks this subscriber never got: replaced by a newer one of the same symbol while it lagged. */
    private long ticksConflatedAway;

    /** Latest held-back tick per symbol while lagging; null while keeping up. */
    private Int2ObjectHashMap<EncodedTick> conflated;

    /** {@link System#nanoTime()} of the first flush since which bytes stayed unwritten; 0: none left. */
    private long backlogSinceNs;

    /** When lagging started ({@link System#nanoTime()}), valid while {@link #conflated} is set. */
    private long lagStartNs;

    /** How often a lagging subscriber looks whether it caught up or is past its timeout. */
    static final long LAG_CHECK_NS = 100_000_000L;

    /** Per-symbol maximum frequency ({@code maxHz}); null while no subscription has one. */
    private Int2ObjectHashMap<Throttle> throttles;

    /** A symbol limited to one update per interval: the latest tick waits for the next slot. */
    private static final class Throttle {
        final long intervalNs;
        long lastSentNs = Long.MIN_VALUE / 2;
        EncodedTick pending;
        boolean armed;

        Throttle(long intervalNs) {
            this.intervalNs = intervalNs;
        }
    }

    /**
     * A subscriber that conflates only past its sink's high-water mark and is never closed for
     * lagging (a long poll; tests and benchmarks).
     */
    public Subscriber(TickSink sink) {
        this(sink, Long.MAX_VALUE, Long.MAX_VALUE);
    }

    /**
     * @param lagConflateNs how long a backlog or an unanswered read receipt may last before the
     *     subscriber conflates ({@code outbound.lagConflateMs}; {@link Long#MAX_VALUE}: never)
     * @param slowConsumerTimeoutNs how long it may lag before {@link TickSink#closeSlowConsumer()}
     *     ({@code outbound.slowConsumerTimeoutMs}; {@link Long#MAX_VALUE}: never)
     */
    public Subscriber(TickSink sink, long lagConflateNs, long slowConsumerTimeoutNs) {
        this.sink = sink;
        this.lagConflateNs = lagConflateNs;
        this.slowConsumerTimeoutNs = slowConsumerTimeoutNs;
    }

    /** Ticks skipped by conflation so far (a newer one of the symbol replaced them); any thread, for the metrics. */
    public long ticksConflatedAway() {
        return ticksConflatedAway;
    }

    /** Bytes of the ticks handed to the transport so far; any thread, for the metrics. */
    public long tickBytesWritten() {
        return tickBytesWritten;
    }

    /** Ticks handed to the transport so far; any thread, for the metrics. */
    public long ticksWritten() {
        return ticksWritten;
    }

    /** Batches of ticks handed to the transport (see {@link #ticksWritten}); any thread, may be a batch stale. */
    public long batchesWritten() {
        return batchesWritten;
    }

    /** Number of symbols this subscriber is subscribed to or subscribing to. */
    public int subscriptionCount() {
        return subscriptions.size();
    }

    /** Whether {@code symbolId} is subscribed or pending. */
    public boolean isSubscribed(int symbolId) {
        return subscriptions.get(symbolId) != NOT_SUBSCRIBED;
    }

    /** Whether ticks are being conflated because the transport cannot take more. */
    public boolean isLagging() {
        return conflated != null;
    }

    /** Ids of every subscribed or pending symbol. */
    public int[] subscribedSymbolIds() {
        return subscriptions.keys();
    }

    /**
     * Limits {@code symbolId} to {@code maxHz} updates per second (0 removes the limit): the
     * client gets the latest value at most every 1/maxHz seconds, never a stale one; the seq jumps
     * over what it skipped.
     */
    public void setMaxHz(int symbolId, int maxHz) {
        if (throttles != null) {
            final Throttle old = throttles.remove(symbolId);
            if (old != null && old.pending != null) {
                old.pending.release();
            }
        }
        if (maxHz > 0) {
            if (throttles == null) {
                throttles = new Int2ObjectHashMap<>();
            }
            throttles.put(symbolId, new Throttle(1_000_000_000L / maxHz));
        }
    }

    /** Dispatcher: hand over a tick (the caller keeps its reference). */
    void offer(EncodedTick tick) {
        if (throttles != null) {
            final Throttle th = throttles.get(tick.symbolId());
            if (th != null && !throttled(th, tick)) {
                return;
            }
        }
        send(tick);
    }

    /** Whether {@code tick} may go now; otherwise it waits as the pending latest value. */
    private boolean throttled(Throttle th, EncodedTick tick) {
        final long now = System.nanoTime();
        if (th.pending == null && now - th.lastSentNs >= th.intervalNs) {
            th.lastSentNs = now;
            return true;
        }
        if (th.pending != null) {
            th.pending.release();
        }
        th.pending = tick.retain();
        if (!th.armed) {
            th.armed = true;
            final long delayNs = Math.max(0, th.lastSentNs + th.intervalNs - now);
            sink.schedule(() -> sendPending(tick.symbolId(), th), delayNs);
        }
        return false;
    }

    private void sendPending(int symbolId, Throttle th) {
        th.armed = false;
        if (throttles == null || throttles.get(symbolId) != th || th.pending == null) {
            return;
        }
        final EncodedTick latest = th.pending;
        th.pending = null;
        th.lastSentNs = System.nanoTime();
        send(latest);
        flushBatch();
        latest.release();
    }

    /**
     * Flushes what this batch queued, then decides whether the subscriber keeps up: lagging means
     * bytes are still unwritten after the flush (the kernel did not take them), not merely that a
     * burst was queued before it. Within one batch every tick is written, so a healthy client is
     * never conflated by the size of a burst; the excess over the high-water mark is bounded by
     * one batch ({@code fanout.loopDrainLimit} ticks).
     */
    void flushBatch() {
        // The backlog is judged as this batch comes, before it is written: bytes of earlier batches
        // the peer has still not taken. Right after the flush would count the batch just written on
        // a transport whose writes complete later (io_uring: always in flight at that moment).
        final boolean backlog = conflated == null && sink.hasBacklog();
        writeQueued();
        sink.flush();
        if (conflated == null && fallingBehind(backlog)) {
            conflated = new Int2ObjectHashMap<>();
            lagStartNs = System.nanoTime();
            sink.schedule(this::checkLag, LAG_CHECK_NS);
        }
    }

    /**
     * Past the high-water mark, or something the peer has not taken for {@link #lagConflateNs}:
     * bytes still unwritten as every batch came ({@code backlog}, {@link TickSink#hasBacklog()}),
     * or a read receipt asked for and not answered ({@link TickSink#unansweredSinceNs()}).
     */
    private boolean fallingBehind(boolean backlog) {
        final TickSink out = sink;
        if (!out.isWritable()) {
            return true;
        }
        long sinceNs = 0;
        if (backlog) {
            if (backlogSinceNs == 0) {
                backlogSinceNs = System.nanoTime() | 1; // never the "none" sentinel
            }
            sinceNs = backlogSinceNs;
        } else {
            backlogSinceNs = 0;
        }
        final long unansweredNs = out.unansweredSinceNs();
        if (unansweredNs != 0 && (sinceNs == 0 || unansweredNs - sinceNs < 0)) {
            sinceNs = unansweredNs;
        }
        return sinceNs != 0 && System.nanoTime() - sinceNs >= lagConflateNs;
    }

    /** Whether the peer took everything: nothing held back by Netty, no read receipt outstanding. */
    private boolean caughtUp() {
        final TickSink out = sink;
        return out.isWritable() && !out.hasBacklog() && out.unansweredSinceNs() == 0;
    }

    /**
     * While lagging, every {@link #LAG_CHECK_NS}: back to live delivery once the transport took
     * everything, closed past {@link #slowConsumerTimeoutNs}. Not driven by writability alone:
     * an age-judged lag starts while the channel is still writable.
     */
    private void checkLag() {
        if (conflated == null) {
            return; // caught up meanwhile, or closed
        }
        if (caughtUp()) {
            resumeDelivery();
        } else if (System.nanoTime() - lagStartNs >= slowConsumerTimeoutNs) {
            sink.closeSlowConsumer();
            return;
        }
        if (conflated != null) {
            sink.schedule(this::checkLag, LAG_CHECK_NS);
        }
    }

    private void send(EncodedTick tick) {
        if (conflated == null) {
            if (queuedCount == queued.length) {
                queued = Arrays.copyOf(queued, Math.max(4, queuedCount * 2));
            }
            queued[queuedCount++] = tick;
            return;
        }
        final EncodedTick previous = conflated.put(tick.symbolId(), tick.retain());
        if (previous != null) {
            previous.release();
            ticksConflatedAway++;
        }
    }

    /**
     * The transport, on its event loop, when it became writable again: sends the held ticks
     * (conflated variant) and returns to live delivery. No-op if not lagging or still not writable.
     */
    public void resumeDelivery() {
        final Int2ObjectHashMap<EncodedTick> held = conflated;
        if (held == null || !caughtUp()) {
            return;
        }
        writeQueued();
        conflated = null;
        backlogSinceNs = 0;
        batchesWritten++;
        for (EncodedTick t : held.values()) {
            tickBytesWritten += sink.writeConflated(t);
            ticksWritten++;
            t.release();
        }
        flushBatch();
    }

    /**
     * Writes the ticks queued in this batch to the sink; the transport calls it before writing
     * anything of its own outside a batch's callbacks, so its bytes never overtake queued ticks.
     */
    public void writeQueued() {
        final int n = queuedCount;
        if (n == 0) {
            return;
        }
        ticksWritten += n;
        batchesWritten++;
        final EncodedTick[] ticks = queued;
        queuedCount = 0;
        tickBytesWritten += sink.writeTicks(ticks, n);
        Arrays.fill(ticks, 0, n, null);
    }

    /**
     * Dispatcher: the sequencer applied a subscribe; its reply's ticks follow. What this batch
     * queued before goes out first, then whatever {@link TickSink#onSubscribed} writes. A subscribe without
     * an acknowledgement has nothing to write, so the batch is not split for it.
     */
    void subscribed(String ack) {
        if (ack != null) {
            writeQueued();
            sink.onSubscribed(ack);
        }
    }

    /** Dispatcher: the reply's ticks were handed over; they go out before the reply's own record. */
    void replied(byte[] epochAscii, long[] positions) {
        writeQueued();
        sink.afterReply(epochAscii, positions);
    }

    /** The transport, on close: releases held ticks; nothing is written after. */
    public void releaseHeld() {
        Arrays.fill(queued, 0, queuedCount, null);
        queuedCount = 0;
        if (throttles != null) {
            for (Throttle th : throttles.values()) {
                if (th.pending != null) {
                    th.pending.release();
                    th.pending = null;
                }
            }
            throttles = null;
        }
        final Int2ObjectHashMap<EncodedTick> held = conflated;
        conflated = null;
        if (held != null) {
            for (EncodedTick t : held.values()) {
                t.release();
            }
        }
    }
}
