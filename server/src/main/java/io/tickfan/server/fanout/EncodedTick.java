package io.tickfan.server.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.Recycler;
import io.tickfan.protocol.BinaryTicks;
import io.tickfan.protocol.SseEvents;
import io.tickfan.protocol.Tick;
import io.tickfan.protocol.TickEncoder;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A tick encoded once per wire variant (a complete WebSocket frame and an SSE event), shared by
 * every subscriber. Reference counted: history holds one reference, and each event loop it is
 * queued to holds one until it has written it. The frames are released and the holder recycled
 * when the last reference goes, so steady state allocates nothing.
 *
 * <p>It also keeps a copy of the merged tick, so a slow subscriber's conflated update can be
 * re-encoded with the conflated flag on that subscriber's own loop (the cost lands on the client
 * that caused it).
 */
public final class EncodedTick extends AbstractReferenceCounted {
    private static final Recycler<EncodedTick> POOL = new Recycler<>() {
        @Override
        protected EncodedTick newObject(Handle<EncodedTick> handle) {
            return new EncodedTick(handle);
        }
    };

    private final Recycler.Handle<EncodedTick> handle;
    private final Tick tick = new Tick();
    private int symbolId;
    private byte[] symbolAscii;
    private long position;
    private int flags;
    private byte[] epochAscii;
    private ByteBuf webSocketFrame;
    private ByteBuf sseEvent;
    /**
     * The binary frame ({@code tickfan.v1.bin}), built by the first loop that has a binary
     * subscriber for this tick and shared from then on: a tick nobody takes as binary is never
     * encoded so. Set once, by compare-and-set.
     */
    private volatile ByteBuf binaryFrame;

    private static final VarHandle BINARY_FRAME;

    static {
        try {
            BINARY_FRAME = MethodHandles.lookup().findVarHandle(EncodedTick.class, "binaryFrame", ByteBuf.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private EncodedTick(Recycler.Handle<EncodedTick> handle) {
        this.handle = handle;
    }

    /**
     * A holder with one reference, taking ownership of both frames.
     *
     * @param merged the tick as encoded (copied)
     * @param position the sequencer's global position of the tick
     */
    public static EncodedTick of(
            int symbolId, byte[] symbolAscii, Tick merged, long position, ByteBuf webSocketFrame, ByteBuf sseEvent) {
        return of(symbolId, symbolAscii, merged, position, 0, null, webSocketFrame, sseEvent);
    }

    /**
     * As {@link #of(int, byte[], Tick, long, ByteBuf, ByteBuf)}, remembering what the frames were
     * encoded with, so a reply can re-encode the SSE event under another id.
     *
     * @param flags the tick's wire flags ({@link Tick#FLAG_RESET}, ...)
     * @param epochAscii the epoch of the SSE id (a pod-local one for unconfirmed local numbering)
     */
    static EncodedTick of(
            int symbolId,
            byte[] symbolAscii,
            Tick merged,
            long position,
            int flags,
            byte[] epochAscii,
            ByteBuf webSocketFrame,
            ByteBuf sseEvent) {
        final EncodedTick t = POOL.get();
        t.setRefCnt(1);
        t.symbolId = symbolId;
        t.symbolAscii = symbolAscii;
        t.tick.copyFrom(merged);
        t.position = position;
        t.flags = flags;
        t.epochAscii = epochAscii;
        t.webSocketFrame = webSocketFrame;
        t.sseEvent = sseEvent;
        return t;
    }

    public int symbolId() {
        return symbolId;
    }

    public byte[] symbolAscii() {
        return symbolAscii;
    }

    /** Per-symbol sequence number. */
    public long seq() {
        return tick.seq;
    }

    /**
     * The tick's position in its position space: the engine's global count standalone, the stream
     * entry's with the Redis bridge (one space per shard). Orders the ticks of one space.
     */
    public long position() {
        return position;
    }

    int flags() {
        return flags;
    }

    byte[] epochAscii() {
        return epochAscii;
    }

    /** The merged tick as encoded; read only. */
    public Tick tick() {
        return tick;
    }

    /** The shared WebSocket frame; write {@code retainedDuplicate()} of it, never the buffer itself. */
    public ByteBuf webSocketFrame() {
        return webSocketFrame;
    }

    /**
     * The shared binary WebSocket frame, encoded on first use (by whichever loop asks first; a
     * loop that loses the race releases its own); write {@code retainedDuplicate()} of it.
     */
    public ByteBuf binaryFrame(ByteBufAllocator alloc) {
        final ByteBuf existing = binaryFrame;
        if (existing != null) {
            return existing;
        }
        final ByteBuf mine = BinaryTicks.webSocketFrame(alloc, symbolAscii, tick, flags);
        if (BINARY_FRAME.compareAndSet(this, null, mine)) {
            return mine;
        }
        mine.release();
        return binaryFrame;
    }

    /** The shared SSE event; write {@code retainedDuplicate()} of it. */
    public ByteBuf sseEvent() {
        return sseEvent;
    }

    @Override
    public EncodedTick retain() {
        super.retain();
        return this;
    }

    @Override
    public EncodedTick touch(Object hint) {
        webSocketFrame.touch(hint);
        sseEvent.touch(hint);
        return this;
    }

    @Override
    protected void deallocate() {
        webSocketFrame.release();
        sseEvent.release();
        final ByteBuf binary = binaryFrame;
        if (binary != null) {
            binary.release();
            binaryFrame = null;
        }
        webSocketFrame = null;
        sseEvent = null;
        symbolAscii = null;
        epochAscii = null;
        handle.recycle(this);
    }

    /** A subscriber's own copy of this tick as a WebSocket frame flagged conflated; the caller owns it. */
    public ByteBuf conflatedWebSocketFrame(ByteBufAllocator alloc) {
        return TickEncoder.webSocketFrame(alloc, symbolAscii(), tick(), Tick.FLAG_CONFLATED);
    }

    /** A subscriber's own copy of this tick as a binary frame flagged conflated; the caller owns it. */
    public ByteBuf conflatedBinaryFrame(ByteBufAllocator alloc) {
        return BinaryTicks.webSocketFrame(alloc, symbolAscii(), tick(), Tick.FLAG_CONFLATED);
    }

    /** A subscriber's own copy of this tick as an SSE event flagged conflated; the caller owns it. */
    public ByteBuf conflatedSseEvent(ByteBufAllocator alloc) {
        final ByteBuf ws = conflatedWebSocketFrame(alloc);
        try {
            // Same id as the tick's own event (its resume point and epoch), other JSON.
            return SseEvents.tickEventLike(
                    alloc, sseEvent(), ws, TickEncoder.FRAME_HEADROOM, ws.writerIndex() - TickEncoder.FRAME_HEADROOM);
        } finally {
            ws.release();
        }
    }
}
