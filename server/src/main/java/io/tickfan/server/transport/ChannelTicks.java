package io.tickfan.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.FanoutEngine;
import java.util.concurrent.TimeUnit;

/**
 * How a session writes ticks to its channel, the same for WebSocket (text or binary ticks) and SSE
 * (HTTP/1.1 or an HTTP/2 stream): a batch goes to the socket in one gathering write ({@link
 * BatchWriter}) when Netty holds nothing for the channel, otherwise through the pipeline as a
 * retained duplicate of each tick's shared frame; conflated ticks as the session's own re-encoded
 * copy; one flush per batch, skipped when nothing went through the pipeline; writability and
 * backlog read off the channel; timers on the channel's loop. The session adds only what its wire
 * needs (an ack, read receipts, an SSE id after a reply, how a slow consumer is closed) and
 * implements {@link io.tickfan.server.fanout.TickSink} with it.
 *
 * <p>One per session, made when the session is attached to its channel; used on its loop only.
 */
public final class ChannelTicks {
    private final ChannelHandlerContext ctx;
    /** {@link BatchWriter#WEBSOCKET}, {@link BatchWriter#BINARY} or {@link BatchWriter#SSE}. */
    private final int variant;
    /** An HTTP/2 stream: what goes through the pipeline goes as DATA frames. */
    private final boolean http2;
    /** The socket, for gathering writes of tick batches; null when ticks go through the pipeline. */
    private final BatchWriter.Sink socket;
    /** This loop's gathering writer; null with {@link #socket}. */
    private final BatchWriter writer;
    /**
     * On a plain io_uring socket, the connection's gate of the loop's {@link UringWriter}, which
     * submits batches straight from the shared frames; else null.
     */
    private final UringGate uring;
    /** Whether something was written through the pipeline since its last flush. */
    private boolean unflushed;

    /**
     * @param variant the ticks' encoding: {@link BatchWriter#WEBSOCKET}, {@link BatchWriter#BINARY}
     *     or {@link BatchWriter#SSE}
     * @param http2 whether {@code ctx} is an HTTP/2 stream's (its writes are DATA frames; no direct
     *     writes)
     * @param directWrites whether ticks may bypass the pipeline straight to the socket (epoll,
     *     no TLS)
     */
    public ChannelTicks(ChannelHandlerContext ctx, int variant, boolean http2, boolean directWrites) {
        this.ctx = ctx;
        this.variant = variant;
        this.http2 = http2;
        this.socket = !http2 && directWrites ? BatchWriter.socketSink(ctx.channel()) : null;
        this.writer = socket != null ? BatchWriter.ofThisThread() : null;
        this.uring = !http2 && directWrites && socket == null ? UringGate.install(ctx.channel()) : null;
    }

    /** Whether the channel takes more bytes now (below its write-buffer high-water mark). */
    public boolean isWritable() {
        return ctx.channel().isWritable();
    }

    /** Whether Netty holds bytes for the channel that the kernel has not taken yet. */
    public boolean hasBacklog() {
        return BatchWriter.hasBacklog(ctx.channel()) || (uring != null && uring.busy());
    }

    /**
     * Writes {@code ticks[0..count)} without flushing or releasing them: one gathering write when
     * it can, else through the pipeline.
     *
     * @return bytes of the ticks written
     */
    public long writeTicks(EncodedTick[] ticks, int count) {
        return writeTicks(ticks, count, null);
    }

    /**
     * {@link #writeTicks(EncodedTick[], int)}, then {@code trailer} (nullable; ownership passes):
     * bytes of the session's own that must follow the ticks, such as a read-receipt ping, in the same
     * gathering write when there is one.
     *
     * @return bytes of the ticks written (not counting the trailer)
     */
    public long writeTicks(EncodedTick[] ticks, int count, ByteBuf trailer) {
        if (socket != null && writer.write(ctx.channel(), ctx, socket, ticks, count, variant, trailer)) {
            return BatchWriter.bytesOf(ticks, count, variant);
        }
        if (uring != null && uring.writeTicks(ticks, count, variant, trailer)) {
            return BatchWriter.bytesOf(ticks, count, variant);
        }
        final long bytes = writeEach(ticks, 0, count);
        if (trailer != null) {
            writeBytes(trailer);
        }
        return bytes;
    }

    /**
     * Writes {@code ticks[from..count)} through the pipeline, a retained duplicate of each shared
     * frame (the ticks are not released).
     *
     * @return bytes of the ticks written
     */
    public long writeEach(EncodedTick[] ticks, int from, int count) {
        long bytes = 0;
        for (int i = from; i < count; i++) {
            final ByteBuf frame = BatchWriter.frame(ticks[i], variant);
            bytes += frame.readableBytes();
            writeBytes(frame.retainedDuplicate());
        }
        return bytes;
    }

    /**
     * Writes {@code tick} re-encoded with the conflated flag (its own copy; {@code tick} is not
     * released).
     *
     * @return bytes of the conflated tick
     */
    public int writeConflated(EncodedTick tick) {
        final ByteBuf frame =
                switch (variant) {
                    case BatchWriter.WEBSOCKET -> tick.conflatedWebSocketFrame(FanoutEngine.ALLOC);
                    case BatchWriter.BINARY -> tick.conflatedBinaryFrame(FanoutEngine.ALLOC);
                    default -> tick.conflatedSseEvent(FanoutEngine.ALLOC);
                };
        final int bytes = frame.readableBytes();
        writeBytes(frame);
        return bytes;
    }

    /** Writes {@code bytes} (ownership passes), as a DATA frame on an HTTP/2 stream; not flushed. */
    public void writeBytes(ByteBuf bytes) {
        write(http2 ? new DefaultHttp2DataFrame(bytes) : bytes);
    }

    /** Writes {@code message} (ownership passes) through the pipeline; not flushed. */
    public void write(Object message) {
        ctx.write(message, ctx.voidPromise());
        unflushed = true;
    }

    /**
     * Whether something was written through the pipeline since the last flush, and forgets it: the
     * caller flushes (elsewhere: an HTTP/2 stream's connection is flushed once per batch for all
     * its streams) or the end of the stream carries it.
     */
    public boolean takeUnflushed() {
        final boolean was = unflushed;
        unflushed = false;
        return was;
    }

    /** Flushes what went through the pipeline; nothing after a direct write (the socket has it). */
    public void flush() {
        if (takeUnflushed()) {
            ctx.flush();
        }
    }

    /** Runs {@code task} on the channel's loop after {@code delayNs}. */
    public void schedule(Runnable task, long delayNs) {
        ctx.executor().schedule(task, delayNs, TimeUnit.NANOSECONDS);
    }
}
