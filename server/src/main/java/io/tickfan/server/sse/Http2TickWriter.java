package io.tickfan.server.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
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

/**
 * Writes the tick batches of every SSE stream of one HTTP/2 connection at the connection level,
 * below Netty's HTTP/2 codec: per stream and batch one DATA frame header (9 bytes) in front of the
 * shared pre-encoded events, straight into the connection's pipeline, and one flush of the
 * connection per batch (after every stream of the loop wrote; {@link LoopDispatcher#flushAfterBatch}).
 * The stream's child channel, its pipeline, a {@code DefaultHttp2DataFrame} per tick and the
 * child's 64 KiB watermark are out of the tick path; the child still carries the request, the
 * response head, control records (retry, ids, heartbeats, errors) and the end of the stream.
 *
 * <p>Flow control: a batch goes out this way only if the stream's and the connection's windows
 * both cover all of it and Netty's flow controller holds nothing for the stream (a record waiting
 * for the window would otherwise be overtaken); its bytes are then taken off both windows in the
 * flow controller ({@code incrementWindowSize} with a negative delta, as the controller does for
 * what it writes itself), so nothing is ever sent beyond a window. Otherwise the stream writes the
 * batch through its own channel as before: Netty's flow controller queues it behind whatever waits
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
    private final LoopDispatcher dispatcher;
    private final Runnable flushTask = this::flushBatch;
    /** Scratch: the events of the batch being written (no array per batch). */
    private ByteBuf[] events = new ByteBuf[16];
    /** Set while a flush of the connection is due (at the end of the loop's batch). */
    private boolean flushDue;

    private Http2TickWriter(
            Channel connection, ChannelHandlerContext codecCtx, Http2FrameCodec codec, LoopDispatcher d) {
        this.connection = connection;
        this.codecCtx = codecCtx;
        this.http2 = codec.connection();
        this.encoder = codec.encoder();
        this.flow = encoder.flowController();
        this.dispatcher = d;
    }

    /**
     * The writer of {@code connection} (an HTTP/2 connection with Netty's frame codec), created on
     * first use; null when the connection has no frame codec (the stream then writes through its own
     * channel).
     */
    static Http2TickWriter of(Channel connection, LoopDispatcher dispatcher) {
        final Http2TickWriter existing = connection.attr(KEY).get();
        if (existing != null) {
            return existing;
        }
        final ChannelHandlerContext codecCtx = connection.pipeline().context(Http2FrameCodec.class);
        if (codecCtx == null) {
            return null;
        }
        final Http2TickWriter writer =
                new Http2TickWriter(connection, codecCtx, (Http2FrameCodec) codecCtx.handler(), dispatcher);
        connection.attr(KEY).set(writer);
        return writer;
    }

    /**
     * Writes the SSE events of {@code ticks[0..count)} to stream {@code streamId}, in order, without
     * releasing them, if the windows take them all now, and arranges the connection's flush.
     *
     * @return the bytes of the events (for the metrics), or -1 when nothing was written: the batch
     *     must go through the stream's channel (it waits there for its window, behind whatever
     *     waits already), or the stream is gone
     */
    long write(int streamId, EncodedTick[] ticks, int count) {
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
    long writeEvents(int streamId, ByteBuf[] events, int count) {
        long bytes = 0;
        int largest = 0;
        for (int i = 0; i < count; i++) {
            final int n = events[i].readableBytes();
            bytes += n;
            largest = Math.max(largest, n);
        }
        final Http2Stream stream = http2.stream(streamId);
        if (stream == null
                || !stream.state().localSideOpen()
                || !connection.isActive()
                || flow.hasFlowControlled(stream)
                || bytes > flow.windowSize(stream)
                || bytes > flow.windowSize(http2.connectionStream())
                || largest > encoder.configuration().frameSizePolicy().maxFrameSize()) {
            return -1;
        }
        if (connection.bytesBeforeUnwritable() < bytes + Http2CodecUtil.FRAME_HEADER_LENGTH) {
            // This batch's earlier streams filled the connection's buffer: hand them to the kernel
            // first, so a connection that reads never looks unwritable because of a burst.
            connection.flush();
        }
        frame(streamId, events, count, encoder.configuration().frameSizePolicy().maxFrameSize());
        try {
            flow.incrementWindowSize(stream, (int) -bytes);
            flow.incrementWindowSize(http2.connectionStream(), (int) -bytes);
        } catch (Http2Exception impossible) {
            throw new IllegalStateException(impossible); // only an increase can overflow
        }
        flushAfterBatch();
        return bytes;
    }

    /** Flushes the connection once the loop's batch is written (now, outside a batch). */
    void flushAfterBatch() {
        if (!flushDue) {
            flushDue = true;
            dispatcher.flushAfterBatch(flushTask);
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
        connection.flush();
    }
}
