package io.tickfan.server.poll;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import io.tickfan.protocol.SseEvents;
import io.tickfan.protocol.TickEncoder;
import io.tickfan.server.ServerContext;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.Subscriber;
import io.tickfan.server.fanout.TickSink;
import io.tickfan.server.http.AuthenticatedRequest;
import io.tickfan.server.http.HttpResponses;
import io.tickfan.server.http.RequestDeadlineHandler;
import io.tickfan.server.http.SymbolQuery;
import io.tickfan.server.session.ResumePoint;
import io.tickfan.server.session.SessionLifecycle;
import io.tickfan.server.session.TransportKind;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Long polling, the slow path for networks that block WebSocket and streaming responses alike.
 * {@code GET /poll?symbols=A,B[&since=<position id>][&waitMs=N]} answers with every tick after
 * {@code since} (snapshots without it; a reset snapshot if it is lost), waiting up to {@code
 * waitMs} (bounded by {@code poll.maxWaitMs}) for the first one:
 *
 * <pre>{"position":"&lt;epoch&gt;-&lt;n&gt;","ticks":[{...tick...},...]}</pre>
 *
 * The client passes {@code position} back as {@code since}. Each poll is one subscription that
 * lives until the answer, so it costs far more per tick than a stream; polls are rate-limited per
 * client address (429 with {@code Retry-After}), and at most {@link #MAX_TICKS} ticks go in one
 * answer (the position then points after the last one included).
 *
 * <p>A poll in flight is in the session registry: a drain or an admin disconnect answers it at
 * once with what it has and {@code "retryMs":N} (the jittered reconnect delay) after the ticks,
 * and closes its HTTP/1.1 connection.
 *
 * <p>The poll is the {@link TickSink} of the engine's {@link Subscriber} of the request: it writes
 * the ticks into its own answer, so it is always writable and never a slow consumer.
 */
public final class LongPollRequest implements TickSink, SessionLifecycle.Ending {
    /** Most ticks in one answer. */
    public static final int MAX_TICKS = 1000;

    private static final byte[] HEAD = "{\"position\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TICKS = "\",\"ticks\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = "]}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] RETRY = "],\"retryMs\":".getBytes(StandardCharsets.US_ASCII);

    private final ChannelHandlerContext ctx;
    private final FanoutEngine engine;
    private final LoopDispatcher dispatcher;
    private final Subscriber subscriber = new Subscriber(this);
    private final SessionLifecycle lifecycle;
    private boolean keepAlive;
    /** The reconnect delay a drain or disconnect asked for, or -1. */
    private long retryMs = -1;

    private final boolean http2;
    private final ByteBuf ticks;
    private final long requestTimeoutMs;
    private final ByteBuf position;
    private int tickCount;
    /** Ticks were left out past {@link #MAX_TICKS}: the answer's position stays at the last one in. */
    private boolean truncated;

    private boolean replied;
    private boolean waitElapsed;
    private boolean done;
    private ScheduledFuture<?> timeout;

    private LongPollRequest(ChannelHandlerContext ctx, ServerContext context, boolean keepAlive, boolean http2) {
        this.ctx = ctx;
        this.engine = context.engine;
        // No expiry: a poll ends within its wait.
        this.lifecycle = new SessionLifecycle(context.sessions, 0, this, TransportKind.POLL, subscriber);
        this.dispatcher = engine.dispatcher(ctx.channel().eventLoop());
        this.keepAlive = keepAlive;
        this.http2 = http2;
        this.ticks = ctx.alloc().buffer(1024);
        this.position = ctx.alloc().buffer(64);
        this.requestTimeoutMs = context.requestTimeoutMs;
    }

    /** Handles {@code request}, which the caller releases. */
    public static void handle(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            QueryStringDecoder uri,
            ServerContext context,
            boolean http2) {
        if (!request.method().equals(HttpMethod.GET)) {
            HttpResponses.sendErrorAndClose(
                    ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "bad_request", "poll needs GET");
            return;
        }
        final Object address = ctx.channel().remoteAddress() instanceof InetSocketAddress inet
                ? inet.getAddress()
                : ctx.channel().remoteAddress();
        final long waitNs = context.pollLimiter.tryAcquire(address, System.nanoTime());
        if (waitNs > 0) {
            final FullHttpResponse response = HttpResponses.json(
                    HttpResponseStatus.TOO_MANY_REQUESTS, "{\"error\":\"rate_limited\",\"reason\":\"too many polls\"}");
            response.headers()
                    .set(HttpHeaderNames.RETRY_AFTER, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNs) + 1));
            ctx.writeAndFlush(response);
            return;
        }
        AuthenticatedRequest.authenticateThen(
                ctx, request, context, principal -> start(ctx, request, uri, context, http2, principal));
    }

    private static void start(
            ChannelHandlerContext ctx,
            FullHttpRequest request,
            QueryStringDecoder uri,
            ServerContext context,
            boolean http2,
            Principal principal) {
        final SymbolQuery query = SymbolQuery.parse(uri, principal, context);
        if (!query.isValid()) {
            HttpResponses.sendErrorAndClose(ctx, query.status(), "bad_request", query.reason());
            return;
        }
        final ResumePoint resume =
                ResumePoint.parse(param(uri, "since"), context.engine.epoch(), context.engine.positionShards());
        long waitMs = context.pollMaxWaitMs;
        final String wait = param(uri, "waitMs");
        if (wait != null) {
            try {
                waitMs = Math.min(waitMs, Math.max(0, Long.parseLong(wait)));
            } catch (NumberFormatException e) {
                query.release(context);
                HttpResponses.sendErrorAndClose(
                        ctx, HttpResponseStatus.BAD_REQUEST, "bad_request", "waitMs must be a number");
                return;
            }
        }
        final LongPollRequest poll = new LongPollRequest(ctx, context, http2 || HttpUtil.isKeepAlive(request), http2);
        // The reply comes in a later task of this loop, after the set-up below.
        if (context.engine.subscribe(
                        poll.subscriber,
                        poll.dispatcher,
                        query.symbolIds(),
                        null,
                        resume.positions(),
                        resume.epochMatches(),
                        null)
                == FanoutEngine.OVERLOADED) {
            poll.ticks.release();
            poll.position.release();
            HttpResponses.refuseOverloaded(ctx);
            return;
        }
        if (!http2) {
            // One poll at a time per HTTP/1.1 connection: read the next request only after this answer.
            ctx.channel().config().setAutoRead(false);
        }
        poll.lifecycle.open(ctx.executor(), null);
        ctx.channel().closeFuture().addListener(f -> poll.finish(false));
        poll.timeout = ctx.executor().schedule(poll::onWaitElapsed, waitMs, TimeUnit.MILLISECONDS);
    }

    /** Never called: a poll's expiry is not armed. */
    @Override
    public void expired() {}

    /** Answers now with what the poll has and the reconnect delay; closes an HTTP/1.1 connection. */
    @Override
    public void restart(long retryMs) {
        if (done) {
            return;
        }
        this.retryMs = retryMs;
        keepAlive = false;
        onWaitElapsed();
    }

    @Override
    public void goAway() {
        finish(false);
        ctx.close();
    }

    private static String param(QueryStringDecoder uri, String name) {
        final List<String> values = uri.parameters().get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public long writeTicks(EncodedTick[] batch, int count) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            bytes += append(batch[i]);
        }
        return bytes;
    }

    /** Appends {@code tick}'s JSON to the answer; returns its bytes (0 when left out). */
    private int append(EncodedTick tick) {
        if (done) {
            return 0;
        }
        if (tickCount == MAX_TICKS) {
            truncated = true;
            return 0;
        }
        if (tickCount++ > 0) {
            ticks.writeByte(',');
        }
        final ByteBuf frame = tick.webSocketFrame();
        final int json = frame.writerIndex() - TickEncoder.FRAME_HEADROOM;
        ticks.writeBytes(frame, TickEncoder.FRAME_HEADROOM, json);
        // The tick's own SSE id: where a stream that got it would resume (ticks come in the order
        // their ids advance: replayed ones before the reply's position, live ones after it).
        position.clear();
        SseEvents.copyId(tick.sseEvent(), position);
        return json;
    }

    // A poll buffers into its own answer (always writable), so it never lags: nothing conflated,
    // never closed as a slow consumer.
    @Override
    public int writeConflated(EncodedTick tick) {
        return append(tick);
    }

    @Override
    public void closeSlowConsumer() {}

    @Override
    public void schedule(Runnable task, long delayNs) {
        ctx.executor().schedule(task, delayNs, TimeUnit.NANOSECONDS);
    }

    @Override
    public void afterReply(byte[] epochAscii, long[] replyPositions) {
        if (done) {
            return; // closed before the reply came (position already released)
        }
        replied = true;
        if (!truncated) {
            position.clear();
            SseEvents.writeId(position, epochAscii, replyPositions);
        }
    }

    @Override
    public void flush() {
        // The answer goes out once the subscribe reply is in (snapshot or replay) and either
        // something arrived or the wait is over.
        if (replied && (tickCount > 0 || waitElapsed)) {
            finish(true);
        }
    }

    private void onWaitElapsed() {
        waitElapsed = true;
        if (replied) {
            finish(true);
        }
    }

    private void finish(boolean answer) {
        if (done) {
            return;
        }
        done = true;
        lifecycle.closed();
        if (timeout != null) {
            timeout.cancel(false);
        }
        engine.unsubscribeAll(subscriber, dispatcher);
        if (!answer || !ctx.channel().isActive()) {
            ticks.release();
            position.release();
            return;
        }
        final ByteBuf body = ctx.alloc().buffer(ticks.readableBytes() + 64);
        body.writeBytes(HEAD);
        body.writeBytes(position);
        position.release();
        body.writeBytes(TICKS);
        body.writeBytes(ticks);
        if (retryMs >= 0) {
            body.writeBytes(RETRY);
            body.writeCharSequence(Long.toString(retryMs), StandardCharsets.US_ASCII);
            body.writeByte('}');
        } else {
            body.writeBytes(TAIL);
        }
        ticks.release();
        final FullHttpResponse response =
                new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        if (http2) {
            ctx.writeAndFlush(response);
            return;
        }
        HttpUtil.setKeepAlive(response, keepAlive);
        ctx.writeAndFlush(response)
                .addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE : ChannelFutureListener.CLOSE);
        if (keepAlive) {
            // The next request on this connection gets the same deadline as the first.
            if (ctx.pipeline().get(RequestDeadlineHandler.NAME) == null) {
                ctx.pipeline().addFirst(RequestDeadlineHandler.NAME, new RequestDeadlineHandler(requestTimeoutMs));
            }
            ctx.channel().config().setAutoRead(true);
        }
    }
}
