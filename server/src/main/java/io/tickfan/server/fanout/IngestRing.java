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
 *  +---------------------------------------------------------------+
 * </pre>
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
    static final int RECORD_LENGTH = 80;

    /** Receives ticks drained from the ring; {@code tick} is reused, copy what you keep. */
    @FunctionalInterface
    public interface TickHandler {
        void onTick(int symbolId, Tick tick);
    }

    private final ManyToOneRingBuffer ring;
    private final Tick scratch = new Tick();
    private TickHandler handler;
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
        ring.commit(index);
        return OK;
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
        handler.onTick(b.getInt(index + SYMBOL_ID), t);
    }
}
