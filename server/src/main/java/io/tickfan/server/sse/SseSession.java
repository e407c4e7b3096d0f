package io.tickfan.server.sse;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.tickfan.protocol.SseEvents;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.fanout.BatchWriter;
import io.tickfan.server.fanout.Counters;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.Subscriber;
import io.tickfan.server.session.Drainable;
import java.util.concurrent.TimeUnit;

/**
 * One SSE stream: an HTTP/1.1 connection or one HTTP/2 stream. Writes each tick's shared SSE
 * event (on HTTP/2 wrapped in a DATA frame: one small holder object per delivery, the bytes still
 * shared). On HTTP/2 the stream's flow-control window drives writability, so a stream whose
 * window stays closed conflates and is then closed, without buffering and without holding up the
 * other streams of its connection. Every method runs on the stream's event loop.
 */
final class SseSession extends Subscriber implements Drainable {
    private final ServerContext context;
    private final FanoutEngine engine;
    private final LoopDispatcher dispatcher;
    private final boolean http2;
    private final Principal principal;

    private ChannelHandlerContext ctx;
    /** The socket (HTTP/1.1 only), for gathering writes of tick batches; else null. */
    private BatchWriter.Sink socket;
    /** Whether something was written through the pipeline since its last flush. */
    private boolean unflushed;

    private ScheduledFuture<?> heartbeat;
    private ScheduledFuture<?> expiry;
    private boolean closing;

    SseSession(ServerContext context, Principal principal, LoopDispatcher dispatcher, boolean http2) {
        this.context = context;
        this.engine = context.engine;
        this.dispatcher = dispatcher;
        this.http2 = http2;
        this.principal = principal;
    }

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.socket = !http2 && context.directWrites ? BatchWriter.socketSink(ctx.channel()) : null;
    }

    void start(int[] symbolIds, ResumePoint resume) {
        // Registered like a WebSocket session, so a drain or /admin/disconnect reaches SSE streams too.
        context.sessions.add(this);
        final ByteBuf retry = ctx.alloc().buffer(24);
        SseEvents.writeRetry(retry, context.sseRetryMs);
        write(retry);
        flush();
        heartbeat = ctx.executor()
                .scheduleAtFixedRate(
                        this::heartbeat, context.sseHeartbeatMs, context.sseHeartbeatMs, TimeUnit.MILLISECONDS);
        engine.subscribe(this, dispatcher, symbolIds, null, resume.positions(), resume.epochMatches(), null);
    }

    @Override
    protected boolean isWritable() {
        return ctx.channel().isWritable();
    }

    @Override
    protected void writeTicks(EncodedTick[] ticks, int count) {
        if (socket == null
                || !dispatcher.batchWriter().write(ctx.channel(), ctx, socket, ticks, count, BatchWriter.SSE)) {
            super.writeTicks(ticks, count);
        }
    }

    @Override
    protected void deliver(EncodedTick tick) {
        write(tick.sseEvent().retainedDuplicate());
    }

    @Override
    protected void deliverConflated(EncodedTick tick) {
        write(engine.conflatedSseEvent(tick));
    }

    @Override
    protected void afterReply(byte[] epochAscii, long[] positions) {
        final ByteBuf id = ctx.alloc().buffer(48);
        SseEvents.writeIdOnly(id, epochAscii, positions);
        write(id);
    }

    @Override
    protected void flush() {
        // After a direct batch write nothing is queued in the pipeline: skip the empty flush.
        if (unflushed) {
            unflushed = false;
            ctx.flush();
        }
    }

    @Override
    protected void schedule(Runnable task, long delayNs) {
        ctx.executor().schedule(task, delayNs, TimeUnit.NANOSECONDS);
    }

    @Override
    protected long slowConsumerTimeoutNs() {
        return TimeUnit.MILLISECONDS.toNanos(context.slowConsumerTimeoutMs);
    }

    @Override
    protected void closeSlowConsumer() {
        if (!closing) {
            engine.counters().addShared(Counters.Counter.SLOW_CONSUMER_CLOSES, 1);
            closing = true;
            ctx.close();
        }
    }

    private void heartbeat() {
        if (!closing && isWritable()) {
            write(SseEvents.HEARTBEAT.duplicate());
            flush();
        }
    }

    private void write(ByteBuf bytes) {
        ctx.write(http2 ? new DefaultHttp2DataFrame(bytes) : bytes, ctx.voidPromise());
        unflushed = true;
    }

    void onWritabilityChanged() {
        if (!closing) {
            resumeDelivery();
        }
    }

    @Override
    public EventExecutor executor() {
        return ctx.executor();
    }

    @Override
    public void goAway() {
        closing = true;
        ctx.close();
    }

    /** Sets EventSource's reconnect delay with {@code retry:} and ends the stream. */
    @Override
    public void restart(long retryMs) {
        if (closing) {
            return;
        }
        closing = true;
        final ByteBuf retry = ctx.alloc().buffer(24);
        SseEvents.writeRetry(retry, retryMs);
        write(retry);
        flush();
        ctx.close();
    }

    void onClosed() {
        closing = true;
        context.sessions.remove(this);
        if (heartbeat != null) {
            heartbeat.cancel(false);
        }
        if (expiry != null) {
            expiry.cancel(false);
        }
        releaseHeld();
        engine.unsubscribeAll(this, dispatcher);
    }
}
