package io.tickfan.server.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.SseEvents;
import io.tickfan.protocol.Tick;
import io.tickfan.protocol.TickEncoder;
import io.tickfan.server.metrics.Counters;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Builds the sequencer's answer to a subscribe from what it keeps per symbol (last value, history,
 * resume refusals) and the positions it has reached: a snapshot for a plain subscribe, the missed
 * ticks for a resume that history (or a backfill from the stream) still covers, and a reset
 * snapshot for a resume point that is lost, of another epoch, or ahead of this pod. It also
 * encodes every tick the sequencer sends, so a reply's ticks and live ticks are the same bytes.
 *
 * <p>No threads and no queues: given the symbols' states, it returns the reply, and it mutates only
 * what belongs to the reply (a symbol's cached snapshot, its history's age eviction). The sequencer
 * calls it on its thread and queues the result; tests call it directly.
 */
final class ReplyBuilder {
    private static final Comparator<EncodedTick> BY_POSITION = Comparator.comparingLong(EncodedTick::position);

    private final ByteBufAllocator alloc;
    private final IntFunction<SymbolState> states;
    /** The sequencer's newest position in each space; written by the sequencer, read here. */
    private final long[] frontier;

    private final boolean vectorIds;
    /** The epoch of SSE ids of ticks numbered here alone (see Sequencer's localEpoch). */
    private final byte[] localEpoch;

    private final Counters counters;
    private final int counterSlot;
    /** Sequencing order of each symbol's newest tick: the order of a reply's snapshots. */
    private final Comparator<EncodedTick> byOrder = Comparator.comparingLong(this::orderOf);

    /**
     * @param states the state of a symbol id named by a subscribe (it exists by the time of the reply)
     * @param frontier the sequencer's positions, one per position space (kept, not copied)
     * @param localEpoch the epoch of ids of ticks this pod numbered alone
     */
    ReplyBuilder(
            ByteBufAllocator alloc,
            IntFunction<SymbolState> states,
            long[] frontier,
            byte[] localEpoch,
            Counters counters,
            int counterSlot) {
        this.alloc = alloc;
        this.states = states;
        this.frontier = frontier;
        this.vectorIds = frontier.length > 1;
        this.localEpoch = localEpoch;
        this.counters = counters;
        this.counterSlot = counterSlot;
    }

    /**
     * The reply to subscribe {@code c}, its ticks ordered as they go out.
     *
     * @param backfills per symbol of {@code c}, the stream's answer for symbols history did not
     *     cover, or null (no backfill asked)
     * @param epoch the sequencer's current epoch
     * @param nowNs the sequencer's clock, for history's age bound
     */
    SubscribeReply reply(Command c, BackfillRequest[] backfills, byte[] epoch, long nowNs) {
        final List<EncodedTick> ticks = new ArrayList<>();
        final int[] ids = c.symbolIds;
        List<SymbolState> resets = null;
        for (int i = 0; i < ids.length; i++) {
            final SymbolState st = states.apply(ids[i]);
            if (!addReplyTicks(st, c, c.since[i], backfills == null ? null : backfills[i], ticks, epoch, nowNs)) {
                if (resets == null) {
                    resets = new ArrayList<>();
                }
                resets.add(st);
            }
        }
        final EncodedTick[] out;
        if (c.sincePositions != null && (vectorIds || resets != null)) {
            out = positionReply(c, ticks, resets, epoch);
        } else {
            if (resets != null) {
                for (SymbolState st : resets) {
                    ticks.add(reset(st, epoch));
                }
            }
            // One space: position is sequencing order. Several: each symbol's snapshot at the moment
            // of its newest tick, so each snapshot's id (that moment's vector) covers those before it.
            if (ids.length > 1) {
                ticks.sort(vectorIds ? byOrder : BY_POSITION);
            }
            out = ticks.toArray(new EncodedTick[0]);
        }
        return new SubscribeReply(c.subscriber, ids, out, epoch, frontier.clone(), c.ack);
    }

    /**
     * Whether {@code st}'s resume point ({@code since}, or {@code c}'s position in its space) is one
     * this numbering gave out but history no longer covers: the stream may still have its ticks.
     */
    boolean needsBackfill(SymbolState st, Command c, long since, long nowNs) {
        if (st.seq() == 0 || st.numberedLocally() || refused(st, since)) {
            return false; // nothing yet, a local numbering Redis has not confirmed, or refused: reset
        }
        st.history.evictOlderThan(nowNs);
        if (since != ClientMessage.NO_SINCE) {
            return since >= 0 && since <= st.seq() && !st.history.coversSeq(since);
        }
        final long sincePosition = sincePosition(c, st);
        return sincePosition >= 0 && sincePosition <= frontier[st.shard] && !st.history.coversPosition(sincePosition);
    }

    /** The client's resume position in {@code st}'s position space, or -1. */
    static long sincePosition(Command c, SymbolState st) {
        return c.sincePositions == null ? -1 : c.sincePositions[st.shard];
    }

    /** The symbol's newest value, its SSE id the resume point of its newest tick; the caller owns it. */
    EncodedTick encodeLast(SymbolState st, int flags, byte[] epoch) {
        return encode(st, st.last, st.lastPosition, flags, epochOf(st, epoch), st.lastFrontier);
    }

    /** Unconfirmed local numbering: SSE ids in the pod's own epoch (see localEpoch). */
    private byte[] epochOf(SymbolState st, byte[] epoch) {
        return st.numberedLocally() ? localEpoch : epoch;
    }

    /**
     * @param ids the SSE id's position vector, or null for {@code tickPosition} alone (one space)
     */
    private EncodedTick encode(
            SymbolState st, Tick merged, long tickPosition, int flags, byte[] epochAscii, long[] ids) {
        final ByteBuf ws = TickEncoder.webSocketFrame(alloc, st.ascii, merged, flags);
        final int json = TickEncoder.FRAME_HEADROOM;
        final ByteBuf sse = ids == null
                ? SseEvents.tickEvent(alloc, epochAscii, tickPosition, ws, json, ws.writerIndex() - json)
                : SseEvents.tickEvent(alloc, epochAscii, ids, ws, json, ws.writerIndex() - json);
        return EncodedTick.of(st.id, st.ascii, merged, tickPosition, flags, epochAscii, ws, sse);
    }

    /** {@code t} (not released) with its SSE event re-encoded under {@code ids}; the frame is shared. */
    private EncodedTick withIds(EncodedTick t, long[] ids, byte[] epoch) {
        final ByteBuf ws = t.webSocketFrame();
        final int json = TickEncoder.FRAME_HEADROOM;
        final byte[] epochAscii = t.epochAscii() != null ? t.epochAscii() : epoch;
        final ByteBuf sse = SseEvents.tickEvent(alloc, epochAscii, ids, ws, json, ws.writerIndex() - json);
        return EncodedTick.of(
                t.symbolId(),
                t.symbolAscii(),
                t.tick(),
                t.position(),
                t.flags(),
                epochAscii,
                ws.retainedDuplicate(),
                sse);
    }

    private long orderOf(EncodedTick t) {
        return states.apply(t.symbolId()).lastOrder;
    }

    /**
     * The reply to an SSE or poll resume, when the shared ids of the replayed ticks will not do: with
     * several position spaces (a tick's shared id is this pod's vector when it was sequenced,
     * which may be below the client's resume point in other spaces) or when some symbol gets a
     * reset. An id holds one position per space, so it cannot say that one symbol of a space is
     * complete and another is not: when a symbol's resume point is lost, every symbol of the
     * stream in its space gets a reset snapshot instead of a replay. Those resets come first, the
     * space's position held at the resume point until the last of them, which carries this pod's
     * position (a client cut off among them gets them again, never a gap). Then each replayed tick
     * of the other spaces goes out, ordered by position, under the resume point advanced in its
     * space past it, so a client cut off mid-reply resumes after exactly what it got, on any pod,
     * and a poll capped mid-replay moves on.
     */
    private EncodedTick[] positionReply(Command c, List<EncodedTick> replayed, List<SymbolState> resets, byte[] epoch) {
        final long[] ids = c.sincePositions.clone();
        final boolean[] lost = new boolean[ids.length];
        final List<SymbolState> toReset = new ArrayList<>();
        if (resets != null) {
            for (SymbolState st : resets) {
                lost[st.shard] = true;
            }
            for (int id : c.symbolIds) {
                final SymbolState st = states.apply(id);
                if (lost[st.shard] && (st.seq() != 0 || resets.contains(st))) {
                    toReset.add(st);
                }
            }
        }
        final List<EncodedTick> out = new ArrayList<>(replayed.size() + toReset.size());
        for (int i = 0; i < toReset.size(); i++) {
            if (i == toReset.size() - 1) {
                for (int space = 0; space < ids.length; space++) {
                    if (lost[space]) {
                        ids[space] = frontier[space];
                    }
                }
            }
            final SymbolState st = toReset.get(i);
            counters.add(Counters.Counter.RESETS, counterSlot, 1);
            out.add(encode(
                    st, st.last, st.lastPosition, Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET, epochOf(st, epoch), ids));
        }
        replayed.sort(BY_POSITION);
        int dropped = 0;
        for (EncodedTick t : replayed) {
            final int space = states.apply(t.symbolId()).shard;
            if (lost[space]) {
                dropped++; // its symbol got a reset snapshot above
            } else {
                if (t.position() > ids[space]) {
                    ids[space] = t.position();
                }
                out.add(withIds(t, ids, epoch));
            }
            t.release();
        }
        counters.add(Counters.Counter.REPLAYED, counterSlot, -dropped);
        return out.toArray(new EncodedTick[0]);
    }

    /**
     * Adds {@code st}'s snapshot, or its ticks after the client's resume point.
     *
     * @return false when the resume point is lost: the symbol needs a reset snapshot, added by the caller
     */
    private boolean addReplyTicks(
            SymbolState st,
            Command c,
            long since,
            BackfillRequest backfill,
            List<EncodedTick> out,
            byte[] epoch,
            long nowNs) {
        if (st.seq() == 0) {
            // No value here yet: nothing to send, unless the client holds state this numbering
            // never gave it (another epoch, a restart; a seq ahead of none). Then an empty reset
            // snapshot (seq 0, no fields) says so, or its next tick, seq 1, would look in order.
            return since != ClientMessage.NO_SINCE
                    ? c.epochMatches && since == 0
                    : c.sincePositions == null || (c.epochMatches && sincePosition(c, st) <= frontier[st.shard]);
        }
        st.history.evictOlderThan(nowNs);
        final int replayed;
        if (since != ClientMessage.NO_SINCE) {
            if (!c.epochMatches || since > st.seq() || refused(st, since)) {
                return false;
            }
            if (backfill != null) {
                replayed = addBackfilled(st, backfill, out, epoch);
            } else if (st.history.coversSeq(since)) {
                replayed = st.history.addAfterSeq(since, out);
            } else {
                replayed = -1;
            }
        } else if (c.sincePositions != null) {
            final long sincePosition = sincePosition(c, st);
            if (!c.epochMatches || sincePosition > frontier[st.shard]) {
                return false;
            }
            if (backfill != null) {
                replayed = addBackfilled(st, backfill, out, epoch);
            } else if (st.history.coversPosition(sincePosition)) {
                replayed = st.history.addAfterPosition(sincePosition, out);
            } else {
                replayed = -1;
            }
        } else {
            out.add(snapshot(st, epoch));
            return true;
        }
        if (replayed < 0) {
            return false;
        }
        counters.add(Counters.Counter.REPLAYED, counterSlot, replayed);
        return true;
    }

    private static boolean refused(SymbolState st, long since) {
        return since != ClientMessage.NO_SINCE && st.refusedTo != 0 && since >= st.refusedFrom && since <= st.refusedTo;
    }

    /**
     * The stream's ticks up to this symbol's current seq (the reader may be behind the stream),
     * then history after the last of them. Fails (-1) when the source failed, the numbering moved
     * on meanwhile (new epoch, unconfirmed local numbering) or history lost the join point.
     */
    private int addBackfilled(SymbolState st, BackfillRequest r, List<EncodedTick> out, byte[] epoch) {
        if (!r.ok() || r.epochAscii != epoch || st.numberedLocally()) {
            counters.add(Counters.Counter.BRIDGE_BACKFILL_FAILED, counterSlot, 1);
            return -1;
        }
        int n = 0;
        while (n < r.count() && r.tick(n).seq <= st.seq()) {
            n++;
        }
        if (n == 0) {
            // Nothing in the stream after the resume point that this pod has sequenced yet.
            if (r.afterSeq() >= 0
                    ? !st.history.coversSeq(r.afterSeq())
                    : !st.history.coversPosition(r.afterPosition())) {
                counters.add(Counters.Counter.BRIDGE_BACKFILL_FAILED, counterSlot, 1);
                return -1;
            }
            return r.afterSeq() >= 0
                    ? st.history.addAfterSeq(r.afterSeq(), out)
                    : st.history.addAfterPosition(r.afterPosition(), out);
        }
        final long joinSeq = r.tick(n - 1).seq;
        if (!st.history.coversSeq(joinSeq)) {
            counters.add(Counters.Counter.BRIDGE_BACKFILL_FAILED, counterSlot, 1);
            return -1;
        }
        for (int i = 0; i < n; i++) {
            out.add(encode(st, r.tick(i), r.position(i), 0, epoch, null));
        }
        counters.add(Counters.Counter.BRIDGE_BACKFILLED, counterSlot, n);
        return n + st.history.addAfterSeq(joinSeq, out);
    }

    private EncodedTick reset(SymbolState st, byte[] epoch) {
        counters.add(Counters.Counter.RESETS, counterSlot, 1);
        return encodeLast(st, Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET, epoch);
    }

    /** The symbol's snapshot, cached on {@code st} until its next tick (subscribe storms); a new reference. */
    private EncodedTick snapshot(SymbolState st, byte[] epoch) {
        if (st.cachedSnapshot == null) {
            st.cachedSnapshot = encodeLast(st, Tick.FLAG_SNAPSHOT, epoch);
        }
        return st.cachedSnapshot.retain();
    }
}
