package io.tickfan.server.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameTypes;
import io.netty.handler.codec.http2.Http2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.AttributeKey;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.LoopDispatcher;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Writes the tick batches of every SSE stream of one HTTP/2 connection at the connection level,
 * below Netty's HTTP/2 codec: per stream and batch one DATA frame header (9 bytes) in front of the
 * shared pre-encoded events, straight into the connection's pipeline, and one flush of the
 * connection per batch (after every stream of the loop wrote; {@link LoopDispatcher#flushAfterBatch}).
 * The stream's child channel, its pipeline, a {@code DefaultHttp2DataFrame} per tick and the
 * child's 64 KiB watermark are out of the tick path; the child still carries the request, the
 * response head, control records (retry, ids, heartbeats, errors) and the end of the stream.
 *
 * <p>Flow control: as much of a batch goes out this way as the stream's and the connection's
 * windows both cover, and only while Netty's flow controller holds nothing for the stream (a
 * record waiting for the window would otherwise be overtaken); its bytes are then taken off both
 * windows in the flow controller ({@code incrementWindowSize} with a negative delta, as the
 * controller does for what it writes itself), so nothing is ever sent beyond a window. The rest
 * the stream writes through its own channel as before: Netty's flow controller queues it behind whatever waits
 * for the stream and sends it as the window opens, and the child channel's watermark counts only
 * bytes that really wait for a window, so past it the stream conflates like a slow consumer.
 * Streams of a connection never wait for each other: a short window holds back its own stream.
 *
 * <p>One per HTTP/2 connection, found through a channel attribute of the connection; used on the
 * connection's event loop only (its streams live there too). Holds nothing between batches but a
 * flag, so it needs no cleanup.
 */
final class Http2TickWriter {
    private static final AttributeKey<Http2TickWriter> KEY = AttributeKey.valueOf(Http2TickWriter.class, "ticks");
    private static final Http2Flags NO_FLAGS = new Http2Flags();

    private final Channel connection;
    private final ChannelHandlerContext codecCtx;
    private final Http2Connection http2;
    private final Http2ConnectionEncoder encoder;
    private final Http2RemoteFlowController flow;
    /** Runs a flush after the loop's batch ({@link LoopDispatcher#flushAfterBatch}). */
    private final Consumer<Runnable> afterBatch;

    private final Runnable flushTask = this::flushBatch;
    /** Scratch: the events of the batch being written (no array per batch). */
    private ByteBuf[] events = new ByteBuf[16];
    /** Set while a flush of the connection is due (at the end of the loop's batch). */
    private boolean flushDue;
    /** Bytes of ticks written since the connection's last flush. */
    private long unflushed;
    /** SSE streams of the connection that use this writer. */
    private int streams;
    /** The connection's write-buffer marks as configured ({@code outbound.highWaterMarkBytes}): one stream's. */
    private final int lowWaterMark;

    private final int highWaterMark;

    private Http2TickWriter(
            Channel connection, ChannelHandlerContext codecCtx, Http2FrameCodec codec, Consumer<Runnable> afterBatch) {
        this.connection = connection;
        this.codecCtx = codecCtx;
        this.http2 = codec.connection();
        this.encoder = codec.encoder();
        this.flow = encoder.flowController();
        this.afterBatch = afterBatch;
        this.lowWaterMark = connection.config().getWriteBufferLowWaterMark();
        this.highWaterMark = connection.config().getWriteBufferHighWaterMark();
    }

    /**
     * The writer of {@code connection} (an HTTP/2 connection with Netty's frame codec), created on
     * first use; null when the connection has no frame codec (the stream then writes through its own
     * channel).
     */
    static Http2TickWriter of(Channel connection, LoopDispatcher dispatcher) {
        return of(connection, dispatcher::flushAfterBatch);
    }

    /** As {@link #of(Channel, LoopDispatcher)}, flushing through {@code afterBatch} (tests). */
    static Http2TickWriter of(Channel connection, Consumer<Runnable> afterBatch) {
        final Http2TickWriter existing = connection.attr(KEY).get();
        if (existing != null) {
            return existing;
        }
        final ChannelHandlerContext codecCtx = connection.pipeline().context(Http2FrameCodec.class);
        if (codecCtx == null) {
            return null;
        }
        final Http2TickWriter writer =
                new Http2TickWriter(connection, codecCtx, (Http2FrameCodec) codecCtx.handler(), afterBatch);
        connection.attr(KEY).set(writer);
        return writer;
    }

    /**
     * Writes the SSE events of a prefix of {@code ticks[0..count)} to stream {@code streamId}, as
     * many as the windows take now, in order, without releasing them, and arranges the
     * connection's flush.
     *
     * @return how many ticks were written (0 when the stream is gone or something of it waits in the
     *     flow controller); the caller writes the rest through the stream's channel, where it waits
     *     for the window behind them
     */
    int write(int streamId, EncodedTick[] ticks, int count) {
        ByteBuf[] e = events;
        if (e.length < count) {
            events = e = new ByteBuf[Math.max(count, e.length * 2)];
        }
        for (int i = 0; i < count; i++) {
            e[i] = ticks[i].sseEvent();
        }
        try {
            return writeEvents(streamId, e, count);
        } finally {
            Arrays.fill(e, 0, count, null);
        }
    }

    /** As {@link #write}, for the events themselves (not released; each written as a duplicate). */
    int writeEvents(int streamId, ByteBuf[] events, int count) {
        final Http2Stream stream = http2.stream(streamId);
        if (stream == null
                || !stream.state().localSideOpen()
                || !connection.isActive()
                || flow.hasFlowControlled(stream)) {
            return 0;
        }
        final int maxFrame = encoder.configuration().frameSizePolicy().maxFrameSize();
        final int window = Math.min(flow.windowSize(stream), flow.windowSize(http2.connectionStream()));
        int n = 0;
        int bytes = 0;
        while (n < count) {
            final int size = events[n].readableBytes();
            if (size > maxFrame || bytes + size > window) {
                break;
            }
            bytes += size;
            n++;
        }
        if (n == 0) {
            return 0;
        }
        if (unflushed + bytes > highWaterMark) {
            // This batch's earlier streams wrote a high-water mark's worth: hand it to the kernel
            // first rather than hold it all until the end of the batch.
            connection.flush();
            unflushed = 0;
        }
        frame(streamId, events, n, maxFrame);
        unflushed += bytes;
        try {
            flow.incrementWindowSize(stream, -bytes);
            flow.incrementWindowSize(http2.connectionStream(), -bytes);
        } catch (Http2Exception impossible) {
            throw new IllegalStateException(impossible); // only an increase can overflow
        }
        flushAfterBatch();
        return n;
    }

    /** Flushes the connection once the loop's batch is written (now, outside a batch). */
    void flushAfterBatch() {
        if (!flushDue) {
            flushDue = true;
            afterBatch.accept(flushTask);
        }
    }

    /** DATA frames of whole events, each at most {@code maxFrame} bytes, written below the codec. */
    private void frame(int streamId, ByteBuf[] events, int count, int maxFrame) {
        int from = 0;
        while (from < count) {
            int to = from;
            int length = 0;
            while (to < count && length + events[to].readableBytes() <= maxFrame) {
                length += events[to++].readableBytes();
            }
            final ByteBuf header = codecCtx.alloc().directBuffer(Http2CodecUtil.FRAME_HEADER_LENGTH);
            Http2CodecUtil.writeFrameHeader(header, length, Http2FrameTypes.DATA, NO_FLAGS, streamId);
            codecCtx.write(header, codecCtx.voidPromise());
            for (int i = from; i < to; i++) {
                codecCtx.write(events[i].retainedDuplicate(), codecCtx.voidPromise());
            }
            from = to;
        }
    }

    /**
     * Whether bytes of the stream wait: in the flow controller for its window, or on the connection
     * for the kernel (flushed but not taken; what this batch has not flushed yet does not count).
     */
    boolean hasBacklog(int streamId) {
        final Http2Stream stream = http2.stream(streamId);
        if (stream != null && flow.hasFlowControlled(stream)) {
            return true;
        }
        final ChannelOutboundBuffer out = connection.unsafe().outboundBuffer();
        return out != null && out.size() != 0;
    }

    /**
     * The loop's batch is written: the one flush of the connection for it (the flow controller
     * writes what waits and the windows allow, then the socket). A record written to a stream's
     * child channel after ticks in the same batch stays behind them: the ticks are already in the
     * connection's pipeline, the record reaches it through the flow controller.
     */
    private void flushBatch() {
        flushDue = false;
        unflushed = 0;
        connection.flush();
    }

    /** A stream of the connection started using this writer. */
    void opened() {
        streams++;
        scaleWaterMarks();
    }

    /** A stream of the connection ended. */
    void closed() {
        streams--;
        scaleWaterMarks();
    }

    /**
     * The connection's write-buffer marks, one stream's times its open streams. Netty's HTTP/2 flow
     * controller makes every stream of a connection unwritable while the connection is (its
     * writability check includes the connection channel's), and a stream that is not writable
     * conflates at once: with one stream's mark for the whole connection, a hundred healthy streams
     * conflated for a backlog that one WebSocket connection may hold on its own.
     */
    private void scaleWaterMarks() {
        final int n = Math.max(1, streams);
        final long high = Math.min(Integer.MAX_VALUE, (long) highWaterMark * n);
        final long low = Math.min(high, (long) lowWaterMark * n);
        connection.config().setWriteBufferWaterMark(new WriteBufferWaterMark((int) low, (int) high));
    }

    /**
     * Whether the connection takes more ticks: it holds at most {@code outbound.highWaterMarkBytes}
     * per open stream that the kernel has not taken (its write-buffer marks are scaled to that), as
     * many bytes as the streams could hold on connections of their own. A connection that does not
     * read is still caught: by this bound, by the age of its backlog ({@link #hasBacklog}) and by its
     * read receipts.
     */
    boolean isWritable() {
        return connection.isWritable();
    }
}
