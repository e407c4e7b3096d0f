package io.tickfan.server.fanout;

import io.netty.buffer.ByteBufAllocator;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.agrona.collections.IntArrayList;
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

    final AtomicReferenceArray<byte[]> epochSlots = new AtomicReferenceArray<>(EPOCH_SLOTS);
    /**
     * SSE ids of ticks this pod numbered alone (bridge, degraded mode): no other pod knows this
     * epoch, so a {@code Last-Event-ID} from one of them gets {@code reset} rather than a replay in
     * a numbering that may differ.
     */
    private final byte[] localEpoch;
    /** Set once the Redis bridge routes publishes: a tick without a carried position was numbered here alone. */
    volatile boolean bridged;

    volatile FanoutEngine.BackfillSource backfillSource;
    volatile FanoutEngine.DivergenceSink divergenceSink;
    /** Most locally numbered ticks remembered for confirmation, over all symbols (see recordLocal). */
    volatile int localLedgerMax;

    /**
     * How long a resume whose point this pod has not reached yet (another pod read the streams
     * further) waits for it; 0: no wait, reset at once (standalone, where nobody is ahead).
     */
    volatile long catchUpWaitNs;
    /** Most resumes waiting to catch up at once; past it a resume is answered at once (reset). */
    volatile int catchUpMaxPending;

    private final ArrayList<CatchUp> catchingUp = new ArrayList<>();
    /** Retired ids forgotten this cycle, to be handed to every loop (see ReclaimedIds). */
    private final IntArrayList reclaimedNow = new IntArrayList();
    /** Retired ids a waiting resume still names: forgotten once it is answered. */
    private final IntArrayList reclaimLater = new IntArrayList();

    private long orderAtLastCatchUpScan;
    private long localLedgerUsed;
    /**
     * Digests (and symbol ids) of the newest ticks sequenced, a ring: when a shard's Redis restarts
     * empty, a publishing pod resends the batches its own reader had not read back, and some of
     * them other pods had delivered already (see rejoined). Null until the bridge sets a size.
     */
    private volatile long[] recentDigests;

    private volatile int[] recentSymbols;
    private long recentCount;

    private boolean bridgedThisCycle;

    private final int historyCapacity;
    private final long historyMaxAgeNs;
    private final Counters counters;
    private final int counterSlot;
    private final IngestRing.TickHandler onTick = this::onTick;
    private final IngestRing.ControlHandler onControl = this::onControl;
    private final MessagePassingQueue.Consumer<Command> onCommand = this::onCommand;
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
    }

    @Override
    public int doWork() {
        nowNs = EpochNanos.now();
        bridgedThisCycle = bridged;
        int work = commands.drain(onCommand, COMMAND_LIMIT);
        work += ring.drain(onTick, onControl, TICK_LIMIT);
        if (!catchingUp.isEmpty()) {
            work += releaseCaughtUp();
        }
        if (!reclaimLater.isEmpty() || !reclaimedNow.isEmpty()) {
            work += passReclaimed();
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
                dropCachedSnapshot(st);
            }
        }
    }

    private void onTick(int symbolId, Tick tick) {
        final SymbolState st = state(symbolId);
        // A bridged tick carries a position every pod derives from its stream entry id; otherwise count.
        final long carried = ring.currentPosition();
        final boolean local = bridgedThisCycle && carried == 0;
        if (!local
                && (st.rejoining ? rejoined(st, tick, carried) : st.localFrom != 0 && reconciled(st, tick, carried))) {
            return;
        }
        if (local && st.rejoining && st.localFrom == 0) {
            endRejoin(st, st.rejoinSeq); // numbered here alone again: the seq-based ledger takes over
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
            recordLocal(st, seq, tick);
        } else if (carried > 0) {
            rememberRecent(st.id, tick);
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
     * A tick numbered by Redis for a symbol this pod numbered alone while degraded. Within the local
     * range, the tick this pod delivered under the same seq must be the same update (its digest in
     * the ledger: same ingest and exchange time, same fields): then it was delivered already and is
     * dropped. Anything else (another pod's tick, ticks Redis numbered before ours, a local tick
     * past the ledger's bound) means the numberings diverged: Redis's numbering takes over from
     * this tick, which goes out with {@code reset}, and no resume point inside the local range is
     * honoured again.
     *
     * @return true when the tick was consumed (a confirmed duplicate)
     */
    private boolean reconciled(SymbolState st, Tick tick, long carried) {
        final long seq = tick.seq;
        if (seq < st.localFrom) {
            return false; // before the local range: the normal duplicate check applies
        }
        if (seq <= st.localTo) {
            final long at = seq - st.ledgerBase;
            if (at < st.ledgerSize && st.ledger[(int) at] == digest(tick)) {
                counters.add(Counters.Counter.BRIDGE_LOCAL_CONFIRMED, counterSlot, 1);
                rememberRecent(st.id, tick);
                if (carried > frontier[st.shard]) {
                    frontier[st.shard] = carried;
                }
                if (seq == st.seq()) {
                    // Its snapshot and SSE id now point at Redis's copy, which every pod knows.
                    st.lastPosition = carried;
                    if (vectorIds) {
                        System.arraycopy(frontier, 0, st.lastFrontier, 0, frontier.length);
                    }
                    dropCachedSnapshot(st);
                }
                if (seq == st.localTo) {
                    endLocal(st);
                } else {
                    st.localFrom = seq + 1;
                }
                return true;
            }
        }
        counters.add(Counters.Counter.BRIDGE_LOCAL_DIVERGED, counterSlot, 1);
        final FanoutEngine.DivergenceSink sink = divergenceSink;
        if (sink != null) {
            // Clients that got these seqs here may resume on any pod: tell them all, through Redis.
            sink.diverged(st.last.symbol, seq, st.localTo);
        }
        st.history.refuseThrough(st.localTo);
        dropCachedSnapshot(st);
        st.last.seq = seq - 1;
        endLocal(st);
        st.resetPending = true;
        return false;
    }

    /**
     * Remembers the update this pod numbered {@code seq} alone: a digest of it in the symbol's
     * ledger (8 bytes a tick; history may be far smaller than an outage). Past {@code
     * localLedgerMax} ticks over all symbols nothing more is recorded, so those seqs cannot be
     * confirmed and end in reset; the bound is the bridge's outbound buffer, past which ticks are
     * dropped for Redis and the numbering diverges anyway.
     */
    private void recordLocal(SymbolState st, long seq, Tick raw) {
        if (st.localFrom == 0) {
            st.localFrom = seq;
            st.ledgerBase = seq;
            st.ledgerSize = 0;
        }
        st.localTo = seq;
        counters.add(Counters.Counter.BRIDGE_LOCAL_TICKS, counterSlot, 1);
        if (seq - st.ledgerBase != st.ledgerSize || localLedgerUsed >= localLedgerMax) {
            return; // a publisher seq skipped numbers, or the bound: unverifiable from here on
        }
        if (st.ledger == null || st.ledgerSize == st.ledger.length) {
            st.ledger = Arrays.copyOf(st.ledger == null ? new long[0] : st.ledger, Math.max(64, st.ledgerSize * 2));
        }
        st.ledger[st.ledgerSize++] = digest(raw);
        localLedgerUsed++;
    }

    /**
     * A tick of Redis's new epoch for a symbol this pod numbered alone when Redis restarted empty.
     * The writer resends, in order, every tick it delivered here that Redis may have lost, so Redis
     * numbers them afresh: one whose digest is in the ledger (at or after the last match; ticks
     * dropped from the buffer leave holes) was delivered already and is dropped, its new seq noted.
     * When the ledger is used up, or at the first tick not delivered here, Redis's numbering takes
     * over: history restarts and the next delivered tick carries {@code reset}.
     *
     * @return true when the tick was consumed (delivered here before)
     */
    private boolean rejoined(SymbolState st, Tick tick, long carried) {
        final long d = digest(tick);
        for (int i = st.ledgerNext; i < st.ledgerSize; i++) {
            if (st.ledger[i] == d) {
                counters.add(Counters.Counter.BRIDGE_LOCAL_CONFIRMED, counterSlot, 1);
                rememberRecent(st.id, tick); // may be resent again if Redis restarts empty again
                st.ledgerNext = i + 1;
                st.rejoinSeq = tick.seq;
                if (carried > frontier[st.shard]) {
                    frontier[st.shard] = carried;
                }
                if (st.ledgerNext == st.ledgerSize) {
                    endRejoin(st, st.rejoinSeq);
                }
                return true;
            }
        }
        endRejoin(st, tick.seq - 1);
        return false;
    }

    private void endRejoin(SymbolState st, long seq) {
        st.rejoining = false;
        st.history.restart();
        dropCachedSnapshot(st);
        st.last.seq = seq;
        endLocal(st);
        st.resetPending = true;
    }

    /** Any thread, before publishes flow: keep the digests of the newest {@code ticks} ticks. */
    void keepRecentDigests(int ticks) {
        if (ticks > 0) {
            recentSymbols = new int[ticks];
            recentDigests = new long[ticks];
        }
    }

    private void rememberRecent(int symbolId, Tick raw) {
        final long[] digests = recentDigests;
        if (digests != null) {
            final int at = (int) (recentCount++ % digests.length);
            digests[at] = digest(raw);
            recentSymbols[at] = symbolId;
        }
    }

    /**
     * A new epoch: for every symbol rejoining, the ticks of it Redis had numbered last (oldest
     * first) go in front of its ledger (empty, or this pod's local range), so a resent one is
     * dropped, not delivered again. {@code ledgerBase} moves back with them, so {@link
     * #recordLocal} still appends at the right index.
     */
    private void rejoinFromRecent(SymbolState[] bySymbol) {
        final long[] digests = recentDigests;
        final int[] syms = recentSymbols;
        final int[] count = new int[bySymbol.length];
        final long from = digests == null ? 0 : Math.max(0, recentCount - digests.length);
        if (digests != null) {
            for (long i = from; i < recentCount; i++) {
                final int id = syms[(int) (i % digests.length)];
                if (id >= 0 && id < bySymbol.length && bySymbol[id] != null && bySymbol[id].rejoining) {
                    count[id]++;
                }
            }
        }
        final int[] filled = new int[bySymbol.length];
        for (SymbolState st : bySymbol) {
            if (st == null || !st.rejoining) {
                continue;
            }
            final int n = count[st.id];
            if (n > 0) {
                final long[] ledger = new long[Math.max(16, n + st.ledgerSize * 2)];
                if (st.ledgerSize > 0) {
                    System.arraycopy(st.ledger, 0, ledger, n, st.ledgerSize);
                }
                st.ledger = ledger;
                st.ledgerSize += n;
                st.ledgerBase -= n;
                localLedgerUsed += n;
            }
            st.ledgerNext = 0;
            if (st.ledgerSize == 0) {
                st.rejoining = false; // nothing of it recently: nothing to match
            }
        }
        if (digests != null) {
            for (long i = from; i < recentCount; i++) {
                final int at = (int) (i % digests.length);
                final int id = syms[at];
                if (id >= 0 && id < bySymbol.length && count[id] > 0) {
                    bySymbol[id].ledger[filled[id]++] = digests[at];
                    syms[at] = -1; // of the old epoch: never matched again
                }
            }
        }
    }

    private void endLocal(SymbolState st) {
        localLedgerUsed -= st.ledgerSize;
        st.localFrom = 0;
        st.localTo = 0;
        st.ledger = null;
        st.ledgerSize = 0;
    }

    /** Identifies one published update (its ingest time is per publish, in ns) for {@link #recordLocal}. */
    private static long digest(Tick raw) {
        final int mask = raw.fieldMask;
        long h = raw.ingestTimeNs * 31 + raw.exchangeTimeNs;
        h = h * 31 + mask;
        h = h * 31 + ((mask & Tick.BID) != 0 ? raw.bid : 0);
        h = h * 31 + ((mask & Tick.ASK) != 0 ? raw.ask : 0);
        h = h * 31 + ((mask & Tick.BID_SIZE) != 0 ? raw.bidSize : 0);
        h = h * 31 + ((mask & Tick.ASK_SIZE) != 0 ? raw.askSize : 0);
        h = h * 31 + ((mask & Tick.LAST) != 0 ? raw.last : 0);
        return h * 31 + ((mask & Tick.LAST_SIZE) != 0 ? raw.lastSize : 0);
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
            dropCachedSnapshot(st);
            if (kind == CONTROL_NEW_EPOCH && st.localFrom != 0 && st.ledgerSize > 0) {
                // Delivered here alone, perhaps lost by Redis and resent: matched by content, not again.
                if (!st.rejoining) {
                    st.rejoining = true;
                    st.rejoinSeq = 0;
                }
                st.history.evictAll();
                continue;
            }
            if (kind == CONTROL_NEW_EPOCH) {
                st.history.restart();
                st.last.seq = 0;
                endLocal(st);
                st.rejoining = true; // a candidate for rejoinFromRecent
                st.ledgerNext = 0;
                st.rejoinSeq = 0;
            } else {
                st.history.evictAll();
            }
            st.resetPending = true;
        }
        if (kind == CONTROL_NEW_EPOCH) {
            rejoinFromRecent(states);
        }
    }

    /** The symbol's newest value, its SSE id the resume point of its newest tick. */
    private EncodedTick encode(SymbolState st, int flags) {
        return replies.encodeLast(st, flags, epoch);
    }

    /** A subscribe waiting for the backfill of some of its symbols; its symbols stay pending meanwhile. */
    static final class DeferredSubscribe {
        final Command command;
        final BackfillRequest[] requests;
        int outstanding;

        DeferredSubscribe(Command command, BackfillRequest[] requests) {
            this.command = command;
            this.requests = requests;
        }
    }

    private void onCommand(Command c) {
        if (c.kind == Command.RECLAIM) {
            reclaim(c.symbolIds[0]);
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
            final DeferredSubscribe d = c.backfill.owner;
            if (--d.outstanding == 0) {
                reply(d.command, d.requests);
            }
            return;
        }
        final int[] ids = c.symbolIds;
        for (int id : ids) {
            state(id).interest[c.loopIndex]++;
        }
        final long waitNs = catchUpWaitNs;
        if (waitNs > 0 && catchingUp.size() < catchUpMaxPending && aheadOfThisPod(c)) {
            // Its symbols stay pending: live ticks go to history meanwhile, the reply splices them.
            catchingUp.add(new CatchUp(c, nowNs + waitNs, epoch));
            counters.add(Counters.Counter.RESUMES_WAITED, counterSlot, 1);
            return;
        }
        answer(c);
    }

    private void answer(Command c) {
        final DeferredSubscribe deferred = requestBackfills(c);
        if (deferred == null) {
            reply(c, null);
        }
    }

    /**
     * A resume waiting for this pod to reach its point, until {@link #deadlineNs}; {@link #epoch}
     * is the numbering it was judged against (a restart meanwhile makes its point foreign).
     */
    private record CatchUp(Command command, long deadlineNs, byte[] epoch) {}

    /**
     * Whether the client's resume point is past what this pod has sequenced, in the epoch both
     * share: the pod it came from read further, and this one will get there in a moment (pods read
     * the same streams). Answering now would be a reset for a resume that is only early.
     */
    private boolean aheadOfThisPod(Command c) {
        if (!c.epochMatches) {
            return false;
        }
        final int[] ids = c.symbolIds;
        for (int i = 0; i < ids.length; i++) {
            final SymbolState st = state(ids[i]);
            if (c.since[i] != ClientMessage.NO_SINCE) {
                if (c.since[i] > st.seq()) {
                    return true;
                }
            } else if (c.sincePositions != null && c.sincePositions[st.shard] > frontier[st.shard]) {
                return true;
            }
        }
        return false;
    }

    /**
     * Answers the waiting resumes this pod has caught up with, those out of time (reset) and those
     * whose numbering restarted meanwhile (reset). Re-checks the points only when something was
     * sequenced since the last look; deadlines come in arrival order, so otherwise only the oldest
     * is looked at.
     */
    private int releaseCaughtUp() {
        final boolean moved = order != orderAtLastCatchUpScan;
        if (!moved && nowNs - catchingUp.get(0).deadlineNs() < 0) {
            return 0;
        }
        orderAtLastCatchUpScan = order;
        int kept = 0;
        final int n = catchingUp.size();
        for (int i = 0; i < n; i++) {
            final CatchUp w = catchingUp.get(i);
            final boolean late = nowNs - w.deadlineNs() >= 0;
            final boolean restarted = w.epoch() != epoch;
            if (late || restarted || (moved && !aheadOfThisPod(w.command()))) {
                if (late && !restarted) {
                    counters.add(Counters.Counter.RESUMES_WAIT_EXPIRED, counterSlot, 1);
                }
                answer(restarted ? w.command().withForeignEpoch() : w.command());
            } else {
                catchingUp.set(kept++, w);
            }
        }
        catchingUp.subList(kept, n).clear();
        return n - kept;
    }

    /**
     * Asks the backfill source for the symbols whose resume point history no longer covers. From
     * here until the reply, live ticks of those symbols go to history (and to other subscribers)
     * but not to this one, whose symbols are pending: the reply then splices stream and history.
     *
     * @return the deferred subscribe, or null when no symbol needs the source
     */
    private DeferredSubscribe requestBackfills(Command c) {
        final FanoutEngine.BackfillSource source = backfillSource;
        if (source == null || !c.epochMatches) {
            return null;
        }
        final int[] ids = c.symbolIds;
        DeferredSubscribe d = null;
        for (int i = 0; i < ids.length; i++) {
            final SymbolState st = state(ids[i]);
            if (!replies.needsBackfill(st, c, c.since[i], nowNs)) {
                continue;
            }
            final BackfillRequest r = new BackfillRequest(
                    st.id,
                    st.last.symbol,
                    c.since[i] != ClientMessage.NO_SINCE ? c.since[i] : -1,
                    c.since[i] != ClientMessage.NO_SINCE ? -1 : ReplyBuilder.sincePosition(c, st),
                    st.last.fieldMask,
                    epoch);
            if (d == null) {
                d = new DeferredSubscribe(c, new BackfillRequest[ids.length]);
            }
            r.owner = d;
            if (source.request(r)) {
                d.requests[i] = r;
                d.outstanding++;
            } else {
                counters.add(Counters.Counter.BRIDGE_BACKFILL_FAILED, counterSlot, 1);
            }
        }
        return d != null && d.outstanding > 0 ? d : null;
    }

    private void reply(Command c, BackfillRequest[] backfills) {
        queue(c.loopIndex, replies.reply(c, backfills, epoch, nowNs));
    }

    private static void dropCachedSnapshot(SymbolState st) {
        if (st.cachedSnapshot != null) {
            st.cachedSnapshot.release();
            st.cachedSnapshot = null;
        }
    }

    /**
     * A retired symbol (interest-only, its last hold given back): every unsubscribe of it came
     * before this command, so nothing here needs it. Its state goes now; its id goes back to the
     * table once every loop has drained past what was queued to it until now.
     */
    private void reclaim(int symbolId) {
        final SymbolState st = states[symbolId];
        if (st != null) {
            for (int n : st.interest) {
                if (n != 0 || st.seq() != 0) {
                    counters.add(Counters.Counter.SYMBOLS_NOT_RECLAIMED, counterSlot, 1);
                    return; // never expected: keep the id out of use rather than risk a mix-up
                }
            }
            if (awaitedByResume(symbolId)) {
                reclaimLater.addInt(symbolId);
                return;
            }
            st.history.clear();
            dropCachedSnapshot(st);
            states[symbolId] = null;
        }
        reclaimedNow.addInt(symbolId);
    }

    private boolean awaitedByResume(int symbolId) {
        for (int i = 0, n = catchingUp.size(); i < n; i++) {
            for (int id : catchingUp.get(i).command().symbolIds) {
                if (id == symbolId) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Retries deferred reclaims, then queues this cycle's reclaimed ids to every loop. */
    private int passReclaimed() {
        if (!reclaimLater.isEmpty()) {
            final int[] retry = reclaimLater.toIntArray();
            reclaimLater.clear();
            for (int id : retry) {
                reclaim(id);
            }
        }
        if (reclaimedNow.isEmpty()) {
            return 0;
        }
        final ReclaimedIds marker = new ReclaimedIds(reclaimedNow.toIntArray(), symbols, loops.length);
        final int n = reclaimedNow.size();
        reclaimedNow.clear();
        for (int i = 0; i < loops.length; i++) {
            queue(i, marker);
        }
        counters.add(Counters.Counter.SYMBOLS_RECLAIMED, counterSlot, n);
        return n;
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
