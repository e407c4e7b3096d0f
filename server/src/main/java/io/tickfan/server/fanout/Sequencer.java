package io.tickfan.server.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.SseEvents;
import io.tickfan.protocol.Tick;
import io.tickfan.protocol.TickEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MessagePassingQueue;

/**
 * The one thread that orders the market. Each duty cycle it applies subscribe and unsubscribe
 * commands, then drains the ingest ring: it numbers each tick per symbol (or checks the number a
 * publisher supplied) and globally (the position, which orders all symbols), merges it into the
 * symbol's last value, encodes that once per wire variant, keeps it in history and queues it to
 * every event loop with a subscriber of the symbol. At the end of the cycle it wakes each loop it
 * queued to once, so a loop gets one batch per cycle rather than one task per tick.
 *
 * <p>Subscribe replies (snapshot, replay or reset) are queued to the subscriber's loop in the
 * same queue and order as the ticks, which is what makes the switch to live gap-free.
 */
final class Sequencer implements Agent {
    static final int COMMAND_LIMIT = 1024;
    static final int TICK_LIMIT = 4096;
    private static final Comparator<EncodedTick> BY_POSITION = Comparator.comparingLong(EncodedTick::position);

    private final IngestRing ring;
    private final MessagePassingQueue<Command> commands;
    private final SymbolTable symbols;
    private final SymbolState[] states;
    private final LoopDispatcher[] loops;
    private final boolean[] queuedTo;
    private final ByteBufAllocator alloc;
    /** Control kind: the shard's numbering restarted under a new epoch (Redis restarted empty). */
    static final int CONTROL_NEW_EPOCH = 1;
    /** Control kind: entries of the shard were lost upstream (stream trimmed past the reader). */
    static final int CONTROL_GAP = 2;

    private byte[] epoch;
    /** The epoch that a {@link #CONTROL_NEW_EPOCH} record switches to; set before the record is queued. */
    volatile byte[] pendingEpoch;

    private final int historyCapacity;
    private final long historyMaxAgeNs;
    private final Counters counters;
    private final int counterSlot;
    private final IngestRing.TickHandler onTick = this::onTick;
    private final IngestRing.ControlHandler onControl = this::onControl;
    private final MessagePassingQueue.Consumer<Command> onCommand = this::onCommand;
    private long position;
    private long nowNs;
    private long sequenced;
    private volatile boolean stopping;

    Sequencer(
            IngestRing ring,
            MessagePassingQueue<Command> commands,
            SymbolTable symbols,
            LoopDispatcher[] loops,
            ByteBufAllocator alloc,
            String epoch,
            int historyCapacity,
            long historyMaxAgeNs,
            Counters counters,
            int counterSlot) {
        this.ring = ring;
        this.commands = commands;
        this.symbols = symbols;
        this.states = new SymbolState[symbols.capacity()];
        this.loops = loops;
        this.queuedTo = new boolean[loops.length];
        this.alloc = alloc;
        this.epoch = epoch.getBytes(StandardCharsets.US_ASCII);
        this.historyCapacity = historyCapacity;
        this.historyMaxAgeNs = historyMaxAgeNs;
        this.counters = counters;
        this.counterSlot = counterSlot;
    }

    @Override
    public int doWork() {
        nowNs = EpochNanos.now();
        int work = commands.drain(onCommand, COMMAND_LIMIT);
        work += ring.drain(onTick, onControl, TICK_LIMIT);
        if (work > 0) {
            wakeLoops();
            counters.add(Counters.Counter.TICKS_SEQUENCED, counterSlot, sequenced);
            sequenced = 0;
        }
        return work;
    }

    /** Any thread: stop waiting on full loop queues, so the runner can close. */
    void stop() {
        stopping = true;
    }

    @Override
    public String roleName() {
        return "tickfan-sequencer";
    }

    @Override
    public void onClose() {
        for (SymbolState st : states) {
            if (st != null) {
                st.history.clear();
                dropCachedSnapshot(st);
            }
        }
    }

    private void onTick(int symbolId, Tick tick) {
        final SymbolState st = state(symbolId);
        final long seq;
        if (tick.seq != 0) {
            if (tick.seq <= st.seq()) {
                counters.add(
                        tick.seq == st.seq() ? Counters.Counter.DUPLICATES_DROPPED : Counters.Counter.SEQ_REGRESSIONS,
                        counterSlot,
                        1);
                return;
            }
            seq = tick.seq;
        } else {
            seq = st.seq() + 1;
        }
        final Tick last = st.last;
        last.mergeFrom(tick);
        last.seq = seq;
        // A bridged tick carries a position every pod derives from its stream entry id; otherwise count.
        final long carried = ring.currentPosition();
        if (carried > 0) {
            st.lastPosition = carried;
            if (carried > position) {
                position = carried;
            }
        } else {
            st.lastPosition = ++position;
        }
        dropCachedSnapshot(st);
        final int flags = st.resetPending ? Tick.FLAG_RESET : 0;
        st.resetPending = false;
        final EncodedTick encoded = encode(st, flags);
        final int[] interest = st.interest;
        for (int i = 0; i < interest.length; i++) {
            if (interest[i] > 0) {
                queue(i, encoded.retain());
            }
        }
        st.history.append(encoded, nowNs);
        sequenced++;
    }

    /**
     * A shard's numbering restarted ({@link #CONTROL_NEW_EPOCH}) or lost entries ({@link
     * #CONTROL_GAP}): its symbols' history no longer covers any earlier resume point, and their next
     * live tick carries {@code reset} so subscribers know the seq does not continue.
     */
    private void onControl(int kind, int shard, int shards) {
        if (kind == CONTROL_NEW_EPOCH) {
            final byte[] next = pendingEpoch;
            if (next != null) {
                epoch = next;
            }
        }
        for (SymbolState st : states) {
            if (st == null || (shards > 0 && SymbolTable.shardOf(st.last.symbol, shards) != shard)) {
                continue;
            }
            dropCachedSnapshot(st);
            if (kind == CONTROL_NEW_EPOCH) {
                st.history.restart();
                st.last.seq = 0;
            } else {
                st.history.evictAll();
            }
            st.resetPending = true;
        }
    }

    private EncodedTick encode(SymbolState st, int flags) {
        final ByteBuf ws = TickEncoder.webSocketFrame(alloc, st.ascii, st.last, flags);
        final ByteBuf sse = SseEvents.tickEvent(
                alloc,
                epoch,
                st.lastPosition,
                ws,
                TickEncoder.FRAME_HEADROOM,
                ws.writerIndex() - TickEncoder.FRAME_HEADROOM);
        return EncodedTick.of(st.id, st.ascii, st.last, st.lastPosition, ws, sse);
    }

    private void onCommand(Command c) {
        if (c.kind == Command.UNSUBSCRIBE) {
            state(c.symbolIds[0]).interest[c.loopIndex]--;
            return;
        }
        final List<EncodedTick> ticks = new ArrayList<>();
        final int[] ids = c.symbolIds;
        for (int i = 0; i < ids.length; i++) {
            final SymbolState st = state(ids[i]);
            st.interest[c.loopIndex]++;
            addReplyTicks(st, c, c.since[i], ticks);
        }
        if (ids.length > 1) {
            ticks.sort(BY_POSITION);
        }
        queue(c.loopIndex, new SubscribeReply(c.subscriber, ids, ticks.toArray(new EncodedTick[0]), position));
    }

    private void addReplyTicks(SymbolState st, Command c, long since, List<EncodedTick> out) {
        if (st.seq() == 0) {
            return;
        }
        st.history.evictOlderThan(nowNs);
        final int replayed;
        if (since != ClientMessage.NO_SINCE) {
            if (!c.epochMatches || since > st.seq() || !st.history.coversSeq(since)) {
                out.add(reset(st));
                return;
            }
            replayed = st.history.addAfterSeq(since, out);
        } else if (c.sincePosition >= 0) {
            if (!c.epochMatches || c.sincePosition > position || !st.history.coversPosition(c.sincePosition)) {
                out.add(reset(st));
                return;
            }
            replayed = st.history.addAfterPosition(c.sincePosition, out);
        } else {
            out.add(snapshot(st));
            return;
        }
        counters.add(Counters.Counter.REPLAYED, counterSlot, replayed);
    }

    private EncodedTick reset(SymbolState st) {
        counters.add(Counters.Counter.RESETS, counterSlot, 1);
        return encode(st, Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET);
    }

    private EncodedTick snapshot(SymbolState st) {
        if (st.cachedSnapshot == null) {
            st.cachedSnapshot = encode(st, Tick.FLAG_SNAPSHOT);
        }
        return st.cachedSnapshot.retain();
    }

    private static void dropCachedSnapshot(SymbolState st) {
        if (st.cachedSnapshot != null) {
            st.cachedSnapshot.release();
            st.cachedSnapshot = null;
        }
    }

    private SymbolState state(int symbolId) {
        SymbolState st = states[symbolId];
        if (st == null) {
            st = new SymbolState(
                    symbolId,
                    symbols.name(symbolId),
                    symbols.ascii(symbolId),
                    loops.length,
                    new TickHistory(historyCapacity, historyMaxAgeNs));
            states[symbolId] = st;
        }
        return st;
    }

    private void queue(int loopIndex, Object event) {
        final LoopDispatcher loop = loops[loopIndex];
        while (!loop.offer(event)) {
            // The loop is a full queue behind: wake it and wait rather than drop; the ring absorbs the pause.
            if (stopping) {
                LoopDispatcher.release(event);
                return;
            }
            loop.wake();
            Thread.yield();
        }
        queuedTo[loopIndex] = true;
    }

    private void wakeLoops() {
        final boolean[] queued = queuedTo;
        for (int i = 0; i < queued.length; i++) {
            if (queued[i]) {
                queued[i] = false;
                loops[i].wake();
            }
        }
    }
}
