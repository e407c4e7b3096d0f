package io.tickfan.server.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.concurrent.ScheduledFuture;
import io.tickfan.protocol.ErrorCode;
import io.tickfan.protocol.ServerMessages;
import io.tickfan.protocol.SseEvents;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.Subscriber;
import io.tickfan.server.fanout.TickSink;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.session.ResumePoint;
import io.tickfan.server.session.SessionLifecycle;
import io.tickfan.server.session.TransportKind;
import io.tickfan.server.transport.BatchWriter;
import io.tickfan.server.transport.ChannelTicks;
import io.tickfan.server.transport.Connections;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * One SSE stream: an HTTP/1.1 connection or one HTTP/2 stream; the {@link TickSink} of the
 * engine's {@link Subscriber} of the stream. Writes each tick's shared SSE event through its
 * {@link ChannelTicks}: on HTTP/1.1 straight to the socket; on HTTP/2 through the connection's
 * {@link Http2TickWriter} (a DATA frame header per stream and batch around the shared events, one flush
 * per connection and batch), while control records (retry, ids, heartbeats, the end) go through
 * the stream's own channel behind them. On HTTP/2 the stream's flow-control window drives
 * writability, so a stream whose window stays closed conflates and is then closed, without
 * buffering and without holding up the other streams of its connection; a client that stops
 * reading the whole connection is seen by the connection's backlog and read receipts ({@link
 * Http2ReadReceipts}). Every method runs on the stream's event loop.
 *
 * <p>Lifecycle: the stream is in the session registry from {@link #start} to close, so a drain or
 * an admin disconnect ends it with a {@code retry:} hint, and it ends at its token's {@code exp}
 * plus {@code auth.expiryGraceMs} with an {@code error} event ({@code token_expired}): a stream
 * cannot be refreshed. Ending means END_STREAM on HTTP/2 and closing the connection on HTTP/1.1,
 * once the last bytes are written or after {@link #CLOSE_TIMEOUT_MS}.
 */
final class SseSession implements TickSink, SessionLifecycle.Ending {
    /** How long the last bytes of an ending stream may wait behind a backlog before a hard close. */
    static final long CLOSE_TIMEOUT_MS = 1000;

    private static final byte[] ERROR_EVENT = "event: error\ndata: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END_OF_EVENT = "\n\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerContext context;
    private final FanoutEngine engine;
    private final LoopDispatcher dispatcher;
    private final boolean http2;
    private final Principal principal;
    /** The engine's state of this stream: subscriptions, conflation. */
    private final Subscriber subscriber;

    private ChannelHandlerContext ctx;
    /** How ticks and records reach the stream's channel. */
    private ChannelTicks out;
    /** The connection's read receipts (HTTP/2 only; else null). */
    private Http2ReadReceipts receipts;
    /** HTTP/2: the connection's writer of tick batches (null: ticks go through the stream's channel). */
    private Http2TickWriter ticks;
    /** HTTP/2: the stream's id on its connection. */
    private int streamId;

    private ScheduledFuture<?> heartbeat;
    private final SessionLifecycle lifecycle;

    SseSession(ServerContext context, Principal principal, LoopDispatcher dispatcher, boolean http2) {
        this.context = context;
        this.engine = context.engine;
        this.dispatcher = dispatcher;
        this.http2 = http2;
        this.principal = principal;
        this.subscriber = new Subscriber(
                this,
                TimeUnit.MILLISECONDS.toNanos(context.lagConflateMs),
                TimeUnit.MILLISECONDS.toNanos(context.slowConsumerTimeoutMs));
        this.lifecycle = new SessionLifecycle(
                context.sessions,
                context.expiryGraceMs,
                this,
                http2 ? TransportKind.SSE_HTTP2 : TransportKind.SSE_HTTP1,
                subscriber);
    }

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.out = new ChannelTicks(ctx, BatchWriter.SSE, http2, context.directWrites);
        final Channel connection = http2 ? ctx.channel().parent() : null;
        this.receipts = connection != null ? connection.pipeline().get(Http2ReadReceipts.class) : null;
        if (connection != null && ctx.channel() instanceof Http2StreamChannel stream) {
            this.ticks = Http2TickWriter.of(connection, dispatcher);
            this.streamId = stream.stream().id();
            if (ticks != null) {
                ticks.opened();
            }
        }
    }

    /**
     * Subscribes before the stream opens (the reply arrives in a later task of this loop, after
     * {@link #start}).
     *
     * @return false when the engine is overloaded: nothing was subscribed
     */
    boolean subscribe(int[] symbolIds, ResumePoint resume) {
        return engine.subscribe(
                        subscriber, dispatcher, symbolIds, null, resume.positions(), resume.epochMatches(), null)
                != FanoutEngine.OVERLOADED;
    }

    /** Once attached: the reconnect hint, heartbeats, the token's expiry and the session registry. */
    void start() {
        final ByteBuf retry = ctx.alloc().buffer(24);
        SseEvents.writeRetry(retry, context.sseRetryMs);
        out.writeBytes(retry);
        flush();
        heartbeat = ctx.executor()
                .scheduleAtFixedRate(
                        this::heartbeat, context.sseHeartbeatMs, context.sseHeartbeatMs, TimeUnit.MILLISECONDS);
        lifecycle.open(ctx.executor(), principal);
    }

    @Override
    public boolean isWritable() {
        // HTTP/2: the stream's channel holds only what waits for its window (and control records);
        // ticks the windows took went past it, so the connection's own buffer counts as well.
        return out.isWritable() && (ticks == null || ticks.isWritable());
    }

    @Override
    public boolean hasBacklog() {
        return ticks != null ? ticks.hasBacklog(streamId) : out.hasBacklog();
    }

    @Override
    public long unansweredSinceNs() {
        return receipts == null ? 0 : receipts.unansweredSinceNs();
    }

    @Override
    public long writeTicks(EncodedTick[] batch, int count) {
        if (ticks == null) {
            return out.writeTicks(batch, count);
        }
        // As much as the windows take goes out at the connection level; the rest waits for the
        // window in the stream's channel, behind it.
        final int written = ticks.write(streamId, batch, count);
        return BatchWriter.bytesOf(batch, written, BatchWriter.SSE) + out.writeEach(batch, written, count);
    }

    @Override
    public int writeConflated(EncodedTick tick) {
        return out.writeConflated(tick);
    }

    @Override
    public void afterReply(byte[] epochAscii, long[] positions) {
        final ByteBuf id = ctx.alloc().buffer(48);
        SseEvents.writeIdOnly(id, epochAscii, positions);
        out.writeBytes(id);
    }

    @Override
    public void flush() {
        if (ticks == null) {
            out.flush();
        } else if (out.takeUnflushed()) {
            ticks.flushAfterBatch(); // the connection's one flush carries the stream's writes too
        }
        if (receipts != null && !lifecycle.isClosing() && !subscriber.isLagging()) {
            receipts.ask(System.nanoTime());
        }
    }

    @Override
    public void schedule(Runnable task, long delayNs) {
        out.schedule(task, delayNs);
    }

    @Override
    public void closeSlowConsumer() {
        if (lifecycle.startClosing()) {
            engine.counters().addShared(Counters.Counter.SLOW_CONSUMER_CLOSES, 1);
            // The end of the stream cannot pass the backlog: reset rather than leave the kernel
            // retrying bytes for a reader that does not read (an HTTP/2 stream gets RST_STREAM).
            if (hasBacklog()) {
                Connections.reset(ctx.channel());
            } else {
                ctx.close();
            }
        }
    }

    private void heartbeat() {
        if (!lifecycle.isClosing() && isWritable()) {
            out.writeBytes(SseEvents.HEARTBEAT.duplicate());
            flush();
        }
    }

    void onWritabilityChanged() {
        lifecycle.writable();
    }

    @Override
    public void goAway() {
        lifecycle.startClosing();
        ctx.close();
    }

    /** Sets EventSource's reconnect delay with {@code retry:} and ends the stream. */
    @Override
    public void restart(long retryMs) {
        final ByteBuf retry = ctx.alloc().buffer(24);
        SseEvents.writeRetry(retry, retryMs);
        end(retry);
    }

    /** At {@code exp} plus the grace period: an {@code error} event (token_expired), then the end. */
    @Override
    public void expired() {
        final byte[] json = ServerMessages.error(null, ErrorCode.TOKEN_EXPIRED, "token expired")
                .getBytes(StandardCharsets.UTF_8);
        final ByteBuf event = ctx.alloc().buffer(ERROR_EVENT.length + json.length + END_OF_EVENT.length);
        event.writeBytes(ERROR_EVENT).writeBytes(json).writeBytes(END_OF_EVENT);
        end(event);
    }

    /**
     * Writes {@code last} (ownership passes to the pipeline) behind whatever is queued and ends the
     * stream once it is written, or after {@link #CLOSE_TIMEOUT_MS} behind a backlog.
     */
    private void end(ByteBuf last) {
        lifecycle.startClosing();
        subscriber.writeQueued();
        out.takeUnflushed(); // the end's flush carries it
        ctx.writeAndFlush(http2 ? new DefaultHttp2DataFrame(last, true) : last)
                .addListener(ChannelFutureListener.CLOSE);
        ctx.executor().schedule(() -> ctx.close(), CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    void onClosed() {
        if (ticks != null) {
            ticks.closed();
        }
        lifecycle.closed();
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        subscriber.releaseHeld();
        engine.unsubscribeAll(subscriber, dispatcher);
    }
}
