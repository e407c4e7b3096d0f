package io.tickfan.server.fanout;

import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.Recycler;

/**
 * A tick encoded once per wire variant, shared by every subscriber. Reference counted: the
 * sequencer holds one reference while it keeps the tick in history, and each event loop it is
 * handed to holds one until it has written it to its subscribers. The frames are released and the
 * holder recycled when the last reference goes, so steady state allocates nothing.
 */
public final class EncodedTick extends AbstractReferenceCounted {
    private static final Recycler<EncodedTick> POOL = new Recycler<>() {
        @Override
        protected EncodedTick newObject(Handle<EncodedTick> handle) {
            return new EncodedTick(handle);
        }
    };

    private final Recycler.Handle<EncodedTick> handle;
    private int symbolId;
    private long seq;
    private ByteBuf webSocketFrame;

    private EncodedTick(Recycler.Handle<EncodedTick> handle) {
        this.handle = handle;
    }

    /**
     * A holder with one reference, taking ownership of {@code webSocketFrame}.
     *
     * @param webSocketFrame a complete WebSocket text frame; released with this holder
     */
    public static EncodedTick of(int symbolId, long seq, ByteBuf webSocketFrame) {
        final EncodedTick t = POOL.get();
        t.setRefCnt(1);
        t.symbolId = symbolId;
        t.seq = seq;
        t.webSocketFrame = webSocketFrame;
        return t;
    }

    public int symbolId() {
        return symbolId;
    }

    public long seq() {
        return seq;
    }

    /** The shared frame; write {@code retainedDuplicate()} of it, never the buffer itself. */
    public ByteBuf webSocketFrame() {
        return webSocketFrame;
    }

    @Override
    public EncodedTick retain() {
        super.retain();
        return this;
    }

    @Override
    public EncodedTick touch(Object hint) {
        webSocketFrame.touch(hint);
        return this;
    }

    @Override
    protected void deallocate() {
        final ByteBuf frame = webSocketFrame;
        webSocketFrame = null;
        frame.release();
        handle.recycle(this);
    }
}
