package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;
import java.nio.ByteBuffer;
import org.agrona.BitUtil;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.MessageHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The bounded, lock-free ingest ring: many producers (event loops decoding {@code publish}, the
 * demo feed, the Redis reader) write fixed-size tick records in place; the sequencer is the one
 * consumer. A full ring is a return code, never a wait.
 *
 * <pre>
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                          symbol id                            |  0
 *  +---------------------------------------------------------------+
 *  |                          field mask                           |  4
 *  +---------------------------------------------------------------+
 *  |                 publisher seq (0: server numbers)             |  8
 *  |                 exchange time, epoch ns                       | 16
 *  |                 ingest time, epoch ns                         | 24
 *  |                 bid | ask | bid size | ask size               | 32..63
 *  |                 last | last size                              | 64..79
 *  |                 position (0: the sequencer counts)            | 80
 *  +---------------------------------------------------------------+
 * </pre>
 *
 * <p>A control record (type {@value #MSG_CONTROL}: kind, shard, shard count) travels in the same
 * ring, so the Redis bridge can tell the sequencer "the numbering of this shard restarted" exactly
 * between the last tick of the old numbering and the first of the new one.
 */
public final class IngestRing {
    /** The tick was queued. */
    public static final int OK = 0;
    /** The ring is full; nothing was written. */
    public static final int BACK_PRESSURED = -2;

    static final int MSG_TICK = 1;
    static final int SYMBOL_ID = 0;
    static final int FIELD_MASK = 4;
    static final int SEQ = 8;
    static final int EXCHANGE_TIME = 16;
    static final int INGEST_TIME = 24;
    static final int BID = 32;
    static final int ASK = 40;
    static final int BID_SIZE = 48;
    static final int ASK_SIZE = 56;
    static final int LAST = 64;
    static final int LAST_SIZE = 72;
    static final int POSITION = 80;
    static final int RECORD_LENGTH = 88;
    static final int MSG_CONTROL = 2;
    static final int CONTROL_LENGTH = 12;

    /** Receives ticks drained from the ring; {@code tick} is reused, copy what you keep. */
    @FunctionalInterface
    public interface TickHandler {
        void onTick(int symbolId, Tick tick);
    }

    /** Receives control records drained from the ring. */
    @FunctionalInterface
    public interface ControlHandler {
        void onControl(int kind, int shard, int shards);
    }

    private static final ControlHandler IGNORE_CONTROL = (kind, shard, shards) -> {};

    private final ManyToOneRingBuffer ring;
    private final Tick scratch = new Tick();
    private TickHandler handler;
    private ControlHandler controlHandler = IGNORE_CONTROL;
    private long currentPosition;
    private final MessageHandler reader = this::read;

    /** @param capacityBytes a power of two; each record takes {@value #RECORD_LENGTH} bytes plus an 8-byte header */
    public IngestRing(int capacityBytes) {
        if (!BitUtil.isPowerOfTwo(capacityBytes)) {
            throw new IllegalArgumentException("fanout.ingestRingBytes must be a power of two: " + capacityBytes);
        }
        this.ring = new ManyToOneRingBuffer(
                new UnsafeBuffer(ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH)));
    }

    /** Any producer thread. Writes {@code tick}'s fields with {@code symbolId} and the ingest time. */
    public int offer(int symbolId, Tick tick, long ingestTimeNs) {
        return offer(symbolId, tick, ingestTimeNs, 0);
    }

    /**
     * Any producer thread. As {@link #offer(int, Tick, long)}, with the position the tick already
     * has (the Redis bridge derives it from the stream entry id, so every pod agrees on it).
     */
    public int offer(int symbolId, Tick tick, long ingestTimeNs, long position) {
        final int index = ring.tryClaim(MSG_TICK, RECORD_LENGTH);
        if (index < 0) {
            return BACK_PRESSURED;
        }
        final MutableDirectBuffer b = ring.buffer();
        b.putInt(index + SYMBOL_ID, symbolId);
        b.putInt(index + FIELD_MASK, tick.fieldMask);
        b.putLong(index + SEQ, tick.seq);
        b.putLong(index + EXCHANGE_TIME, tick.exchangeTimeNs);
        b.putLong(index + INGEST_TIME, ingestTimeNs);
        b.putLong(index + BID, tick.bid);
        b.putLong(index + ASK, tick.ask);
        b.putLong(index + BID_SIZE, tick.bidSize);
        b.putLong(index + ASK_SIZE, tick.askSize);
        b.putLong(index + LAST, tick.last);
        b.putLong(index + LAST_SIZE, tick.lastSize);
        b.putLong(index + POSITION, position);
        ring.commit(index);
        return OK;
    }

    /** Any producer thread: queues a control record behind everything this producer offered before. */
    public int offerControl(int kind, int shard, int shards) {
        final int index = ring.tryClaim(MSG_CONTROL, CONTROL_LENGTH);
        if (index < 0) {
            return BACK_PRESSURED;
        }
        final MutableDirectBuffer b = ring.buffer();
        b.putInt(index, kind);
        b.putInt(index + 4, shard);
        b.putInt(index + 8, shards);
        ring.commit(index);
        return OK;
    }

    /** The consumer thread, inside {@link TickHandler#onTick}: the position carried by the tick, or 0. */
    public long currentPosition() {
        return currentPosition;
    }

    /** The consumer thread only. As {@link #drain(TickHandler, int)}, handing control records to {@code control}. */
    public int drain(TickHandler handler, ControlHandler control, int limit) {
        this.controlHandler = control;
        return drain(handler, limit);
    }

    /** The consumer thread only. Hands at most {@code limit} ticks to {@code handler}. */
    public int drain(TickHandler handler, int limit) {
        this.handler = handler;
        return ring.read(reader, limit);
    }

    /** Whether anything is waiting; any thread. */
    public boolean hasPending() {
        return ring.producerPosition() != ring.consumerPosition();
    }

    private void read(int msgTypeId, MutableDirectBuffer b, int index, int length) {
        if (msgTypeId == MSG_CONTROL) {
            controlHandler.onControl(b.getInt(index), b.getInt(index + 4), b.getInt(index + 8));
            return;
        }
        final Tick t = scratch;
        t.flags = 0;
        t.fieldMask = b.getInt(index + FIELD_MASK);
        t.seq = b.getLong(index + SEQ);
        t.exchangeTimeNs = b.getLong(index + EXCHANGE_TIME);
        t.ingestTimeNs = b.getLong(index + INGEST_TIME);
        t.bid = b.getLong(index + BID);
        t.ask = b.getLong(index + ASK);
        t.bidSize = b.getLong(index + BID_SIZE);
        t.askSize = b.getLong(index + ASK_SIZE);
        t.last = b.getLong(index + LAST);
        t.lastSize = b.getLong(index + LAST_SIZE);
        currentPosition = b.getLong(index + POSITION);
        handler.onTick(b.getInt(index + SYMBOL_ID), t);
    }
}
