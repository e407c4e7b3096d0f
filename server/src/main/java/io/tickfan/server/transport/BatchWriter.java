package io.tickfan.server.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelOutboundInvoker;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.IovArray;
import io.netty.channel.unix.Limits;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.FastThreadLocal;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.FanoutEngine;
import java.io.IOException;

/**
 * Hands one subscriber's batch of shared frames to its socket in one gathering write
 * ({@code writev} over the frames' own memory): no duplicate, no pipeline message and no
 * outbound-buffer entry per tick, and one system call per connection and batch. Through the
 * pipeline each tick costs a retained duplicate, a walk of the outbound handlers, an entry with
 * its pending-bytes bookkeeping and a release after the write (about 100 ns per delivery measured
 * in {@code DispatchBench}); here it costs one iovec.
 *
 * <p>The direct write is taken only while Netty holds no bytes for the channel, so it can never
 * overtake anything written through the pipeline (acks, errors, close frames, a backlog waiting
 * for {@code EPOLLOUT}). What the kernel does not take is queued through the pipeline and
 * flushed, so from there on Netty's write-buffer water marks and writability (which drive
 * conflation) see the backlog exactly as before. TLS connections and transports other than epoll
 * have no {@link Sink} and always go through the pipeline.
 *
 * <p>One instance per event loop thread ({@link #ofThisThread()}), used on that thread only and freed
 * when the thread ends.
 */
public final class BatchWriter {
    /** Tick variant: the complete WebSocket frame. */
    public static final int WEBSOCKET = 0;
    /** Tick variant: the SSE event (HTTP/1.1 streams; HTTP/2 needs DATA frames). */
    public static final int SSE = 1;
    /** Tick variant: the binary WebSocket frame ({@code tickfan.v1.bin}), encoded on first use. */
    public static final int BINARY = 2;

    /** Where a direct write goes: a socket, or in benchmarks a sink that discards. */
    @FunctionalInterface
    public interface Sink {
        /**
         * Writes what the kernel takes of {@code iov}'s buffers.
         *
         * @return bytes written; fewer than {@code iov.size()} (0 included) when it would block
         */
        long writev(IovArray iov) throws IOException;
    }

    private static final FastThreadLocal<BatchWriter> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected BatchWriter initialValue() {
            return new BatchWriter();
        }

        @Override
        protected void onRemoval(BatchWriter writer) {
            writer.release();
        }
    };

    private IovArray iov;
    private long directWrites;

    /**
     * The calling thread's writer (an event loop's: Netty frees it when the loop's thread ends).
     * Sessions take it once, on their loop, when they attach.
     */
    public static BatchWriter ofThisThread() {
        return PER_THREAD.get();
    }

    /**
     * A sink writing straight to {@code channel}'s socket, or null when the channel must be written
     * through its pipeline: not an epoll socket, or encrypted (an {@link SslHandler} in the pipeline;
     * call this once the TLS decision is made, as the sessions do after the HTTP request).
     */
    public static Sink socketSink(Channel channel) {
        if (channel instanceof EpollSocketChannel epoll && channel.pipeline().get(SslHandler.class) == null) {
            final FileDescriptor fd = epoll.fd();
            return iov -> fd.writevAddresses(iov.memoryAddress(0), iov.count());
        }
        return null;
    }

    /**
     * Writes {@code ticks[0..count)} ({@link #WEBSOCKET}, {@link #BINARY} or {@link #SSE} variant) to {@code sink}
     * if Netty holds no bytes for {@code channel}; the rest, if the kernel does not take it all, is
     * queued and flushed through {@code out}. The ticks are not released.
     *
     * @return false when nothing was written because the channel must be written through its
     *     pipeline now (Netty holds bytes for it, or it is closed)
     */
    public boolean write(
            Channel channel, ChannelOutboundInvoker out, Sink sink, EncodedTick[] ticks, int count, int variant) {
        return write(channel, out, sink, ticks, count, variant, null);
    }

    /**
     * {@link #write(Channel, ChannelOutboundInvoker, Sink, EncodedTick[], int, int)}, then {@code
     * trailer} (nullable; for example a read-receipt ping) in the same gathering write, after the
     * ticks. When this returns true the trailer is written, queued or released (ownership passes);
     * when it returns false it is still the caller's.
     */
    public boolean write(
            Channel channel,
            ChannelOutboundInvoker out,
            Sink sink,
            EncodedTick[] ticks,
            int count,
            int variant,
            ByteBuf trailer) {
        // Netty drops the outbound buffer when the channel closes or its output shuts down, before
        // the descriptor is closed: null means the descriptor may already belong to another socket.
        final ChannelOutboundBuffer netty = channel.unsafe().outboundBuffer();
        if (netty == null || netty.totalPendingWriteBytes() != 0) {
            return false;
        }
        IovArray v = iov;
        if (v == null) {
            // The iovec array is native memory; its JNI helpers come with the epoll library.
            if (!Epoll.isAvailable()) {
                return false;
            }
            iov = v = new IovArray(Limits.IOV_MAX);
        }
        final int items = trailer == null ? count : count + 1;
        int from = 0;
        while (from < items) {
            v.clear();
            int to = from;
            while (to < items) {
                final ByteBuf frame = to < count ? frame(ticks[to], variant) : trailer;
                if (!v.add(frame, frame.readerIndex(), frame.readableBytes())) {
                    break;
                }
                to++;
            }
            if (to == from) {
                // Not addressable as one iovec (never for the engine's pooled direct frames).
                queueRest(out, ticks, from, 0, count, variant, trailer);
                return true;
            }
            final long expected = v.size();
            final long written;
            try {
                written = sink.writev(v);
            } catch (IOException e) {
                // The peer is gone (EPIPE, ECONNRESET): what Netty's own write would do, quietly.
                channel.close();
                if (trailer != null) {
                    trailer.release();
                }
                return true;
            }
            directWrites++;
            if (written < expected) {
                queueRest(out, ticks, from, written, count, variant, trailer);
                return true;
            }
            from = to;
        }
        if (trailer != null) {
            trailer.release();
        }
        return true;
    }

    /**
     * Whether Netty holds bytes for {@code channel} that the kernel has not taken yet (for the
     * age-based slow-consumer check): false for a closed channel, and for channels without an
     * outbound buffer of their own (HTTP/2 streams, judged by their flow-control window).
     */
    public static boolean hasBacklog(Channel channel) {
        final ChannelOutboundBuffer netty = channel.unsafe().outboundBuffer();
        return netty != null && netty.totalPendingWriteBytes() != 0;
    }

    /** The bytes of {@code ticks[0..count)} in {@code variant}, for the metrics' bytes written. */
    public static long bytesOf(EncodedTick[] ticks, int count, int variant) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += frame(ticks[i], variant).readableBytes();
        }
        return bytes;
    }

    /** Direct write system calls made so far (benchmarks check the path they measure). */
    public long directWrites() {
        return directWrites;
    }

    private static void queueRest(
            ChannelOutboundInvoker out,
            EncodedTick[] ticks,
            int from,
            long written,
            int count,
            int variant,
            ByteBuf trailer) {
        long skip = written;
        for (int i = from; i < count; i++) {
            final ByteBuf frame = frame(ticks[i], variant);
            final int length = frame.readableBytes();
            if (skip >= length) {
                skip -= length;
                continue;
            }
            final ByteBuf rest = skip == 0
                    ? frame.retainedDuplicate()
                    : frame.retainedSlice(frame.readerIndex() + (int) skip, length - (int) skip);
            out.write(rest, out.voidPromise());
            skip = 0;
        }
        if (trailer != null) {
            if (skip >= trailer.readableBytes()) {
                trailer.release();
            } else {
                trailer.skipBytes((int) skip);
                out.write(trailer, out.voidPromise());
            }
        }
        out.flush();
    }

    static ByteBuf frame(EncodedTick tick, int variant) {
        return switch (variant) {
            case WEBSOCKET -> tick.webSocketFrame();
            case BINARY -> tick.binaryFrame(FanoutEngine.ALLOC);
            default -> tick.sseEvent();
        };
    }

    /** Frees the native iovec array (it is made again if the writer is used after). */
    public void release() {
        if (iov != null) {
            iov.release();
            iov = null;
        }
    }
}
