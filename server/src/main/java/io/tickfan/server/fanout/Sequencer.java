package io.tickfan.server.fanout;

import io.netty.buffer.ByteBufAllocator;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Consumer;
import org.agrona.concurrent.Agent;
import org.jctools.queues.MessagePassingQueue;

/**
 * The one thread that orders the market. Each duty cycle it applies subscribe and unsubscribe
 * commands, then drains the ingest ring: it numbers each tick per symbol (or checks the number a
 * publisher supplied) and by position (which orders all ticks of a position space), merges it into the
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

    private final IngestRing ring;
    private final MessagePassingQueue<Command> commands;
    private final SymbolTable symbols;
    private final SymbolState[] states;

    private final LoopDispatcher[] loops;
    private final boolean[] queuedTo;
    /** Snapshots, replays and resets: what a subscribe gets before the live stream. */
    private final ReplyBuilder replies;
    /** Control kind: the shard's numbering restarted under a new epoch (Redis restarted empty). */
    static final int CONTROL_NEW_EPOCH = 1;
    /** Control kind: entries of the shard were lost upstream (stream trimmed past the reader). */
    static final int CONTROL_GAP = 2;

    private byte[] epoch;
    /**
     * Epochs that {@link #CONTROL_NEW_EPOCH} records switch to, by the slot each record names (its
     * kind's upper bits): set before the record is queued. A slot per record, not one for all, so
     * two shards restarting close together each switch to their own epoch in ring order.
     */
    static final int EPOCH_SLOTS = 64;

    private final AtomicReferenceArray<byte[]> epochSlots;
    /**
     * SSE ids of ticks this pod numbered alone (shared numbering, broker unreachable): no other pod
     * knows this epoch, so a {@code Last-Event-ID} from one of them gets {@code reset} rather than a
     * replay in a numbering that may differ.
     */
    private final byte[] localEpoch;

    /** With a shared numbering: what this pod numbered alone, and rejoins; null standalone. */
    private final SharedNumbering shared;
    /** Resumes waiting for this pod to catch up; null when they never wait. */
    private final CatchUpWaits catchUps;

    /** Resumes the broker backfills; null when it serves none. */
    private final Backfills backfills;

    private final Reclaims reclaims;

    private final int historyCapacity;
    private final long historyMaxAgeNs;
    private final Counters counters;
    private final int counterSlot;
    private final IngestRing.TickHandler onTick = this::onTick;
    private final IngestRing.ControlHandler onControl = this::onControl;
    private final MessagePassingQueue.Consumer<Command> onCommand = this::onCommand;
    private final Consumer<Command> onCaughtUp = this::answer;
    /**
     * The newest position sequenced in each position space (one standalone; one per Redis shard,
     * whose streams number positions independently). With several spaces every tick's SSE id is
     * this whole vector: the order between shards differs from pod to pod, but per shard it is the
     * stream's, so "every tick of shard k up to frontier[k]" means the same on every pod.
     */
    private final long[] frontier;
    /** Per space: ticks numbered here alone (degraded) since the frontier last moved. */
    private final long[] localAhead;

    private final boolean vectorIds;
    private long order;
    private long nowNs;
    private long sequenced;
    private volatile boolean stopping;
    /** History released ({@link #onClose}): by the runner, or after an Error killed the thread without it. */
    private boolean closed;

    Sequencer(
            IngestRing ring,
            MessagePassingQueue<Command> commands,
            SymbolTable symbols,
            LoopDispatcher[] loops,
            ByteBufAllocator alloc,
            String epoch,
            AtomicReferenceArray<byte[]> epochSlots,
            Broker broker,
            int historyCapacity,
            long historyMaxAgeNs,
            Counters counters,
            int counterSlot,
            int positionShards) {
        this.ring = ring;
        this.frontier = new long[positionShards];
        this.localAhead = new long[positionShards];
        this.vectorIds = positionShards > 1;
        this.commands = commands;
        this.symbols = symbols;
        this.states = new SymbolState[symbols.capacity()];
        this.loops = loops;
        this.queuedTo = new boolean[loops.length];
        this.epoch = epoch.getBytes(StandardCharsets.US_ASCII);
        this.localEpoch = ("local" + Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36))
                .getBytes(StandardCharsets.US_ASCII);
        this.historyCapacity = historyCapacity;
        this.historyMaxAgeNs = historyMaxAgeNs;
        this.counters = counters;
        this.counterSlot = counterSlot;
        this.replies = new ReplyBuilder(alloc, this::state, frontier, localEpoch, counters, counterSlot);
        this.epochSlots = epochSlots;
        final Broker.Numbering numbering = broker.numbering();
        this.shared =
                numbering.shared() ? new SharedNumbering(numbering, broker, frontier, counters, counterSlot) : null;
        this.catchUps = CatchUpWaits.of(numbering, this::state, frontier, counters, counterSlot);
        this.backfills = Backfills.of(broker, replies, this::state, counters, counterSlot);
        this.reclaims = new Reclaims(
                states, symbols, loops.length, id -> catchUps != null && catchUps.awaits(id), counters, counterSlot);
    }

    @Override
    public int doWork() {
        nowNs = EpochNanos.now();
        int work = commands.drain(onCommand, COMMAND_LIMIT);
        work += ring.drain(onTick, onControl, TICK_LIMIT);
        if (catchUps != null && !catchUps.isEmpty()) {
            work += catchUps.release(order, nowNs, epoch, onCaughtUp);
        }
        if (!reclaims.isEmpty()) {
            final ReclaimedIds marker = reclaims.pass();
            if (marker != null) {
                for (int i = 0; i < loops.length; i++) {
                    queue(i, marker);
                }
                work++;
            }
        }
        if (work > 0) {
            wakeLoops();
            counters.add(Counters.Counter.TICKS_SEQUENCED, counterSlot, sequenced);
            sequenced = 0;
        }
        return work;
    }

    /** One tick as if drained from the ring, outside a duty cycle ({@link SequencerInvoker#sequence}). */
    void sequence(int symbolId, Tick tick) {
        onTick(symbolId, tick);
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
        if (closed) {
            return;
        }
        closed = true;
        for (SymbolState st : states) {
            if (st != null) {
                st.history.clear();
                st.dropCachedSnapshot();
            }
        }
    }

    private void onTick(int symbolId, Tick tick) {
        final SymbolState st = state(symbolId);
        // A tick of a shared numbering carries a position every pod derives from the broker; one
        // without was numbered here alone (broker unreachable). Standalone, positions are counted.
        final long carried = ring.currentPosition();
        final boolean local = shared != null && carried == 0;
        if (st.local != null) {
            if (local) {
                shared.beforeLocal(st);
            } else if (shared.consumed(st, tick, carried)) {
                return;
            }
        }
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
        if (local) {
            shared.recordLocal(st, seq, tick);
        } else if (shared != null) {
            shared.rememberRecent(st.id, tick);
        }
        final int space = st.shard;
        if (carried > 0) {
            st.lastPosition = carried;
            if (carried > frontier[space]) {
                frontier[space] = carried;
                localAhead[space] = 0;
            }
        } else if (local) {
            // Numbered here alone (Redis unreachable): ordered after the shared frontier without
            // moving it, so ids of the shared epoch never carry a position no stream entry has.
            st.lastPosition = frontier[space] + ++localAhead[space];
        } else {
            st.lastPosition = ++frontier[space];
        }
        st.lastOrder = ++order;
        if (vectorIds) {
            System.arraycopy(frontier, 0, st.lastFrontier, 0, frontier.length);
        }
        st.dropCachedSnapshot();
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
    private void onControl(int kindAndSlot, int shard, int shards) {
        final int kind = kindAndSlot & 0xFF;
        if (kind == CONTROL_NEW_EPOCH) {
            final byte[] next = epochSlots.get(kindAndSlot >>> 8);
            if (next != null) {
                epoch = next;
            }
            // Positions of the new numbering start over: an old frontier would sit in every new id.
            for (int space = 0; space < frontier.length; space++) {
                if (shards == 0 || space == shard) {
                    frontier[space] = 0;
                    localAhead[space] = 0;
                }
            }
        }
        order++; // waiting resumes look again (their epoch may be gone)
        for (SymbolState st : states) {
            if (st == null || (shards > 0 && SymbolTable.shardOf(st.last.symbol, shards) != shard)) {
                continue;
            }
            st.dropCachedSnapshot();
            if (kind == CONTROL_NEW_EPOCH) {
                if (shared != null && shared.rejoinLocalRange(st)) {
                    // Delivered here alone, perhaps lost by the broker and resent: matched by content, not again.
                    st.history.evictAll();
                    continue;
                }
                st.history.restart();
                st.last.seq = 0;
                if (shared != null) {
                    shared.startRejoin(st); // a candidate for rejoinFromRecent
                }
            } else {
                st.history.evictAll();
            }
            st.resetPending = true;
        }
        if (kind == CONTROL_NEW_EPOCH && shared != null) {
            shared.rejoinFromRecent(states);
        }
    }

    /** The symbol's newest value, its SSE id the resume point of its newest tick. */
    private EncodedTick encode(SymbolState st, int flags) {
        return replies.encodeLast(st, flags, epoch);
    }

    private void onCommand(Command c) {
        if (c.kind == Command.RECLAIM) {
            reclaims.reclaim(c.symbolIds[0]);
            return;
        }
        if (c.kind == Command.TASK) {
            c.task.run();
            return;
        }
        if (c.kind == Command.UNSUBSCRIBE) {
            state(c.symbolIds[0]).interest[c.loopIndex]--;
            return;
        }
        if (c.kind == Command.REFUSE) {
            final SymbolState st = state(c.symbolIds[0]);
            st.refusedFrom = st.refusedTo == 0 ? c.since[0] : Math.min(st.refusedFrom, c.since[0]);
            st.refusedTo = Math.max(st.refusedTo, c.since[1]);
            return;
        }
        if (c.kind == Command.BACKFILLED) {
            final Backfills.Deferred d = Backfills.completed(c.backfill);
            if (d != null) {
                reply(d.command, d.requests);
            }
            return;
        }
        final int[] ids = c.symbolIds;
        for (int id : ids) {
            state(id).interest[c.loopIndex]++;
        }
        // A resume ahead of this pod waits: its symbols stay pending, live ticks go to history
        // meanwhile, and the reply splices them.
        if (catchUps == null || !catchUps.hold(c, nowNs, epoch)) {
            answer(c);
        }
    }

    /** Replies now, unless some symbols wait for the broker's backfill (replied when they are back). */
    private void answer(Command c) {
        if (backfills == null || backfills.request(c, epoch, nowNs) == null) {
            reply(c, null);
        }
    }

    private void reply(Command c, BackfillRequest[] backfills) {
        queue(c.loopIndex, replies.reply(c, backfills, epoch, nowNs));
    }

    private SymbolState state(int symbolId) {
        SymbolState st = states[symbolId];
        if (st == null) {
            st = new SymbolState(
                    symbolId,
                    symbols.name(symbolId),
                    symbols.ascii(symbolId),
                    loops.length,
                    new TickHistory(historyCapacity, historyMaxAgeNs),
                    frontier.length);
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
