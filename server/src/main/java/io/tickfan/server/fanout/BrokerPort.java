package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.jctools.queues.MessagePassingQueue;

/**
 * The engine's input side, as a {@link Broker} sees it: ticks into the ingest ring (numbered by the
 * broker, or by this pod), numbering restarts, refused resume points and completed backfills to
 * the sequencer. Thread-safe unless a method says otherwise.
 */
public final class BrokerPort {
    /** Where a broker hands a tick to be numbered by this pod ({@link #publishLocally}). */
    @FunctionalInterface
    public interface PublishSink {
        /** Any thread; {@code tick} is reused by the caller. Returns {@link IngestRing#OK} or {@link IngestRing#BACK_PRESSURED}. */
        int offer(int symbolId, Tick tick, long ingestTimeNs);
    }

    private final FanoutEngine engine;
    private final IngestRing ring;
    private final MessagePassingQueue<Command> commands;
    private final WakeableIdleStrategy idle;
    private final Counters counters;
    /** See {@link Sequencer#EPOCH_SLOTS}: the epoch a numbering restart switches to, by slot. */
    private final AtomicReferenceArray<byte[]> epochSlots;

    private final AtomicInteger nextEpochSlot = new AtomicInteger();
    private volatile String epoch;
    private volatile byte[] epochAscii;

    BrokerPort(
            FanoutEngine engine,
            IngestRing ring,
            MessagePassingQueue<Command> commands,
            WakeableIdleStrategy idle,
            Counters counters,
            AtomicReferenceArray<byte[]> epochSlots,
            String epoch) {
        this.engine = engine;
        this.ring = ring;
        this.commands = commands;
        this.idle = idle;
        this.counters = counters;
        this.epochSlots = epochSlots;
        this.epoch = epoch;
        this.epochAscii = epoch.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Queue a tick for this pod to number, as a pod on its own does ({@link MemoryBroker}); with a
     * shared numbering, a tick numbered here alone while the broker is unreachable (the sequencer
     * remembers it and checks it against the broker's numbering later).
     *
     * @return {@link IngestRing#OK} or {@link IngestRing#BACK_PRESSURED}
     */
    public int publishLocally(int symbolId, Tick tick, long ingestTimeNs) {
        final int result = ring.offer(symbolId, tick, ingestTimeNs);
        if (result == IngestRing.OK) {
            counters.addStriped(Counters.Counter.TICKS_INGESTED, 1);
            idle.wake();
        }
        return result;
    }

    /**
     * The broker's reader thread: queue a tick that already has its seq (in {@code tick.seq}), its
     * original ingest time and a {@code position} every pod agrees on. A seq not above the symbol's
     * last is dropped by the sequencer as a duplicate, which makes re-reads harmless.
     *
     * <p>Does not wake the sequencer: call {@link #wakeSequencer()} once the batch (a stream entry,
     * up to 4,096 ticks) is in, and before waiting on a full ring. A wake per tick cost a fence per
     * tick and woke the sequencer to drain a tick or two at a time.
     */
    public int ingest(int symbolId, Tick tick, long ingestTimeNs, long position) {
        final int result = ring.offer(symbolId, tick, ingestTimeNs, position);
        if (result == IngestRing.OK) {
            counters.addStriped(Counters.Counter.TICKS_INGESTED, 1);
        }
        return result;
    }

    /** Wakes the sequencer if it is parked; see {@link #ingest}. */
    public void wakeSequencer() {
        idle.wake();
    }

    /**
     * The broker's reader thread for {@code shard}: the shard's numbering restarted under {@code
     * newEpoch} (null: same epoch, but entries were lost upstream). Queued behind every tick this
     * thread ingested before, so the sequencer switches exactly between the two numberings.
     *
     * @param shards the shard count, or 0 to apply to every symbol
     * @return {@link IngestRing#OK} or {@link IngestRing#BACK_PRESSURED} (retry)
     */
    public int restartNumbering(String newEpoch, int shard, int shards) {
        final int kind;
        final byte[] ascii = newEpoch == null ? null : newEpoch.getBytes(StandardCharsets.US_ASCII);
        if (ascii != null) {
            final int slot = nextEpochSlot.getAndIncrement() & (Sequencer.EPOCH_SLOTS - 1);
            epochSlots.set(slot, ascii);
            kind = Sequencer.CONTROL_NEW_EPOCH | slot << 8;
        } else {
            kind = Sequencer.CONTROL_GAP;
        }
        final int result = ring.offerControl(kind, shard, shards);
        if (result == IngestRing.OK) {
            if (ascii != null) {
                this.epochAscii = ascii;
                this.epoch = newEpoch;
            }
            idle.wake();
        }
        return result;
    }

    /**
     * WebSocket resume points {@code fromSeq..toSeq} of {@code symbolId} are refused from now on
     * (some pod numbered those seqs alone and the broker differently).
     */
    public void refuseResume(int symbolId, long fromSeq, long toSeq) {
        commands.offer(Command.refuse(symbolId, fromSeq, toSeq));
        idle.wake();
    }

    /** {@code request} (from {@link Broker#requestBackfill}) is completed or failed; the sequencer answers the subscribe. */
    public void backfilled(BackfillRequest request) {
        commands.offer(Command.backfilled(request));
        idle.wake();
    }

    /**
     * A broker thread failed and the engine cannot be trusted any more: publishes are refused from
     * now on and the server is told ({@link FanoutEngine#fail}).
     */
    public void fail(String threadName, Throwable cause) {
        engine.fail(threadName, cause);
    }

    public SymbolTable symbols() {
        return engine.symbols();
    }

    public Counters counters() {
        return counters;
    }

    /** Position spaces of SSE and poll resume points: the broker's shards. */
    public int positionShards() {
        return engine.positionShards();
    }

    String epoch() {
        return epoch;
    }

    byte[] epochAscii() {
        return epochAscii;
    }
}
