package io.tickfan.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.PendingWriteQueue;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.tickfan.server.fanout.EncodedTick;
import java.nio.channels.ClosedChannelException;

/**
 * One io_uring connection's side of {@link UringWriter}: keeps everything written through the
 * pipeline behind a batch the writer has submitted for the socket and not yet seen complete. A
 * submitted {@code writev} and a later pipeline write (an ack, a ping, a close frame) are separate
 * submissions the kernel may complete in either order, and what the kernel did not take of the
 * batch must go before them; so while a batch is in flight the gate holds the pipeline's writes and
 * flushes, and lets them through, the batch's rest first, when its completion arrives. What it
 * holds counts toward the channel's write-buffer water marks, as Netty's own buffer does, so a
 * reader that stops reading is judged by the same bounds on every transport.
 *
 * <p>Sits first in the pipeline (nearest the socket), so every outbound message passes it. A close
 * is never held: it fails what the gate holds, as Netty fails what its own outbound buffer holds,
 * and asks the writer to cancel the batch in flight. Used on the channel's loop only.
 */
public final class UringGate extends ChannelOutboundHandlerAdapter {
    static final String NAME = "uring-gate";

    private final UringWriter writer;
    private final int fd;
    private ChannelHandlerContext ctx;
    /** The pipeline's writes behind the batch in flight; their bytes count for writability. */
    private PendingWriteQueue held;
    /** The writer's slot of the batch in flight; -1 when none. */
    private int inFlight = -1;

    private boolean flushHeld;

    /** A gate for {@code fd}, submitted to by {@code writer} (null in tests of the gate alone). */
    UringGate(UringWriter writer, int fd) {
        this.writer = writer;
        this.fd = fd;
    }

    /**
     * Puts a gate first in {@code channel}'s pipeline and returns it, or returns null when the
     * channel is not a plain io_uring socket (other transports, or TLS: an {@link SslHandler} in the
     * pipeline; call this once the TLS decision is made) or its loop's writer cannot be had. Call on
     * the channel's loop.
     */
    static UringGate install(Channel channel) {
        if (!(channel instanceof IoUringSocketChannel socket)
                || channel.pipeline().get(SslHandler.class) != null) {
            return null;
        }
        final UringWriter writer = UringWriter.ofThisLoop(channel.eventLoop());
        if (writer == null) {
            return null;
        }
        final UringGate gate = new UringGate(writer, socket.fd().intValue());
        channel.pipeline().addFirst(NAME, gate);
        return gate;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.held = new PendingWriteQueue(ctx);
    }

    /**
     * Submits {@code ticks[0..count)} and {@code trailer} for this connection through the loop's
     * writer ({@link UringWriter#write}).
     *
     * @return false when they must go through the pipeline now (the trailer is still the caller's)
     */
    boolean writeTicks(EncodedTick[] ticks, int count, int variant, ByteBuf trailer) {
        return writer.write(this, ticks, count, variant, trailer);
    }

    Channel channel() {
        return ctx.channel();
    }

    int fd() {
        return fd;
    }

    /** Whether a batch is in flight, or writes wait behind one: the channel is not caught up. */
    public boolean busy() {
        return inFlight >= 0 || !held.isEmpty();
    }

    void submitted(int slot) {
        inFlight = slot;
    }

    /**
     * The batch in flight completed: {@code rest} (nullable) is what the kernel did not take of it,
     * as buffers this gate now owns, written before everything held.
     */
    void completed(ByteBuf[] rest, int restCount) {
        inFlight = -1;
        if (ctx.isRemoved() || !ctx.channel().isOpen()) {
            for (int i = 0; i < restCount; i++) {
                rest[i].release();
            }
            failHeld();
            return;
        }
        boolean flush = flushHeld || restCount > 0;
        for (int i = 0; i < restCount; i++) {
            ctx.write(rest[i], ctx.voidPromise());
        }
        if (!held.isEmpty()) {
            held.removeAndWriteAll();
        }
        flushHeld = false;
        if (flush) {
            ctx.flush();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (busy()) {
            held.add(msg, promise);
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (busy()) {
            flushHeld = true;
        } else {
            ctx.flush();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        abandon();
        ctx.close(promise);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        abandon();
    }

    /** Fails what is held and cancels the batch in flight (its completion still releases it). */
    private void abandon() {
        if (inFlight >= 0 && writer != null) {
            writer.cancel(inFlight);
        }
        failHeld();
    }

    private void failHeld() {
        flushHeld = false;
        if (held != null && !held.isEmpty()) {
            held.removeAndFailAll(new ClosedChannelException());
        }
    }
}
