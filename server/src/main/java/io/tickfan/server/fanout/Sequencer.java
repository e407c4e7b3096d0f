package io.tickfan.server.fanout;

import io.netty.buffer.ByteBufAllocator;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.Tick;
import io.tickfan.protocol.TickEncoder;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MessagePassingQueue;

/**
 * The one thread that orders the market. Each duty cycle it applies subscribe and unsubscribe
 * commands, then drains the ingest ring: it numbers each tick per symbol (or checks the number a
 * publisher supplied), merges it into the symbol's last value, encodes that once, keeps it in
 * history and queues it to every event loop with a subscriber of the symbol. At the end of the
 * cycle it wakes each loop it queued to once, so a loop gets one batch per cycle rather than one
 * task per tick.
 *
 * <p>Subscribe replies (snapshot or replay) are queued to the subscriber's loop in the same queue
 * and the same order as the ticks, which is what makes the snapshot-to-live switch gap-free.
 */
final class Sequencer implements Agent {
    static final int COMMAND_LIMIT = 1024;
    static final int TICK_LIMIT = 4096;
    private static final EncodedTick[] NOTHING = new EncodedTick[0];

    private final IngestRing ring;
    private final MessagePassingQueue<Command> commands;
    private final SymbolTable symbols;
    private final SymbolState[] states;
    private final LoopDispatcher[] loops;
    private final boolean[] queuedTo;
    private final ByteBufAllocator alloc;
    private final int historyCapacity;
    private final Counters counters;
    private final int counterSlot;
    private final IngestRing.TickHandler onTick = this::onTick;
    private final MessagePassingQueue.Consumer<Command> onCommand = this::onCommand;
    private long sequenced;
    private volatile boolean stopping;

    Sequencer(
            IngestRing ring,
            MessagePassingQueue<Command> commands,
            SymbolTable symbols,
            LoopDispatcher[] loops,
            ByteBufAllocator alloc,
            int historyCapacity,
            Counters counters,
            int counterSlot) {
        this.ring = ring;
        this.commands = commands;
        this.symbols = symbols;
        this.states = new SymbolState[symbols.capacity()];
        this.loops = loops;
        this.queuedTo = new boolean[loops.length];
        this.alloc = alloc;
        this.historyCapacity = historyCapacity;
        this.counters = counters;
        this.counterSlot = counterSlot;
    }

    @Override
    public int doWork() {
        int work = commands.drain(onCommand, COMMAND_LIMIT);
        work += ring.drain(onTick, TICK_LIMIT);
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
        dropCachedSnapshot(st);
        final EncodedTick encoded = EncodedTick.of(symbolId, seq, TickEncoder.webSocketFrame(alloc, st.ascii, last, 0));
        final int[] interest = st.interest;
        for (int i = 0; i < interest.length; i++) {
            if (interest[i] > 0) {
                queue(i, encoded.retain());
            }
        }
        st.history.append(encoded);
        sequenced++;
    }

    private void onCommand(Command c) {
        final SymbolState st = state(c.symbolId);
        if (c.kind == Command.UNSUBSCRIBE) {
            st.interest[c.loopIndex]--;
            return;
        }
        st.interest[c.loopIndex]++;
        queue(c.loopIndex, new SubscribeReply(c.subscriber, c.symbolId, replyTicks(st, c)));
    }

    private EncodedTick[] replyTicks(SymbolState st, Command c) {
        final long seq = st.seq();
        if (seq == 0) {
            return NOTHING;
        }
        final long since = c.since;
        if (since == ClientMessage.NO_SINCE) {
            return new EncodedTick[] {snapshot(st)};
        }
        if (c.epochMatches && since <= seq && st.history.covers(since)) {
            final EncodedTick[] missed = st.history.after(since);
            counters.add(Counters.Counter.REPLAYED, counterSlot, missed.length);
            return missed;
        }
        counters.add(Counters.Counter.RESETS, counterSlot, 1);
        return new EncodedTick[] {encodeLast(st, Tick.FLAG_SNAPSHOT | Tick.FLAG_RESET)};
    }

    private EncodedTick snapshot(SymbolState st) {
        if (st.cachedSnapshot == null) {
            st.cachedSnapshot = encodeLast(st, Tick.FLAG_SNAPSHOT);
        }
        return st.cachedSnapshot.retain();
    }

    private EncodedTick encodeLast(SymbolState st, int flags) {
        return EncodedTick.of(st.id, st.seq(), TickEncoder.webSocketFrame(alloc, st.ascii, st.last, flags));
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
                    symbolId, symbols.name(symbolId), symbols.ascii(symbolId), loops.length, historyCapacity);
            states[symbolId] = st;
        }
        return st;
    }

    private void queue(int loopIndex, Object event) {
        final LoopDispatcher loop = loops[loopIndex];
        while (!loop.offer(event)) {
            // The loop is a full queue behind: wake it and wait rather than drop; the ring absorbs the pause.
            if (stopping) {
                release(event);
                return;
            }
            loop.wake();
            Thread.yield();
        }
        queuedTo[loopIndex] = true;
    }

    private static void release(Object event) {
        if (event instanceof EncodedTick tick) {
            tick.release();
        } else {
            for (EncodedTick t : ((SubscribeReply) event).ticks) {
                t.release();
            }
        }
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
