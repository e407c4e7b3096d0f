package io.tickfan.server.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.CloseCodes;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.ErrorCode;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ServerMessages;
import io.tickfan.server.ServerContext;
import io.tickfan.server.admission.TokenBucket;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.fanout.EncodedTick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.ReadReceipts;
import io.tickfan.server.fanout.Subscriber;
import io.tickfan.server.fanout.SymbolTable;
import io.tickfan.server.fanout.TickSink;
import io.tickfan.server.http.ClientErrorLog;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.session.SessionLifecycle;
import io.tickfan.server.session.TransportKind;
import io.tickfan.server.transport.BatchWriter;
import io.tickfan.server.transport.ChannelTicks;
import io.tickfan.server.transport.Connections;
import java.util.concurrent.TimeUnit;

/**
 * One WebSocket client: applies its requests to the engine's {@link Subscriber} of the connection
 * and is its {@link TickSink}: ticks go out through the connection's {@link ChannelTicks}, and the
 * session adds the subscribe acks, read receipts (numbered pings) and the close of a slow consumer
 * (4008). Every method runs on the connection's event loop.
 */
final class WebSocketSession implements TickSink, SessionLifecycle.Ending {
    static final long CLOSE_TIMEOUT_MS = 1000;

    /** A read receipt's ping frame: two header bytes and the receipt's 8-byte number. */
    private static final int PING_FRAME_BYTES = 2 + Long.BYTES;

    private final ServerContext context;
    /** The client chose {@code tickfan.v1.bin}: ticks go out as binary frames, the rest as JSON text. */
    private final boolean binaryTicks;

    private final FanoutEngine engine;
    private final LoopDispatcher dispatcher;
    /** The engine's state of this connection: subscriptions, throttles, conflation. */
    private final Subscriber subscriber;

    private Principal principal;
    private ChannelHandlerContext ctx;
    /** How ticks and everything else reach the channel. */
    private ChannelTicks out;
    /**
     * Read receipts (numbered pings), created with the first flush of ticks, so an idle session
     * pays nothing for them (about 300 bytes once ticks flow); null until then and when
     * outbound.readReceiptMs is 0.
     */
    private ReadReceipts receipts;

    private final SessionLifecycle lifecycle;
    /**
     * Inbound message rate; replaced when a refresh changes the publisher role. Null until a message
     * comes and again once the bucket has filled up (a full bucket is a new one): an idle
     * connection holds none.
     */
    private TokenBucket rate;

    private boolean ratePublisher;
    private int rateViolations;

    /** When a frame last came in, and when a keep-alive ping last went out (the loop's clock). */
    private long lastReadNs;

    private long lastPingNs;

    WebSocketSession(ServerContext context, Principal principal, LoopDispatcher dispatcher, boolean binaryTicks) {
        this.binaryTicks = binaryTicks;
        this.context = context;
        this.engine = context.engine;
        this.principal = principal;
        this.dispatcher = dispatcher;
        this.subscriber = new Subscriber(
                this,
                TimeUnit.MILLISECONDS.toNanos(context.lagConflateMs),
                TimeUnit.MILLISECONDS.toNanos(context.slowConsumerTimeoutMs));
        this.lifecycle = new SessionLifecycle(
                context.sessions, context.expiryGraceMs, this, TransportKind.WEBSOCKET, subscriber);
    }

    /** Where an exception nobody expected is told (its connection no longer holds that handler). */
    ClientErrorLog clientErrors() {
        return context.clientErrors;
    }

    void attach(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.out = new ChannelTicks(
                ctx, binaryTicks ? BatchWriter.BINARY : BatchWriter.WEBSOCKET, false, context.directWrites);
        lastReadNs = lastPingNs = ctx.executor().ticker().nanoTime();
        lifecycle.open(ctx.executor(), principal);
    }

    /** A frame came in: the client is there. */
    void onRead() {
        lastReadNs = ctx.executor().ticker().nanoTime();
    }

    /**
     * Keep-alive, on the loop's timer: silent for {@code ws.pingIntervalMs}, a ping (again every
     * interval while silent); silent for {@code ws.idleTimeoutMs}, pong included, 1001 and close.
     */
    @Override
    public void onTimer(long nowNs) {
        if (rate != null && rate.isFull(System.nanoTime())) {
            rate = null; // 48 bytes fewer for a connection that has gone quiet
        }
        final long silentNs = nowNs - lastReadNs;
        if (silentNs >= TimeUnit.MILLISECONDS.toNanos(context.wsIdleTimeoutMs)) {
            close(CloseCodes.GOING_AWAY, "idle timeout");
        } else if (silentNs >= TimeUnit.MILLISECONDS.toNanos(context.wsPingIntervalMs)
                && nowNs - lastPingNs >= TimeUnit.MILLISECONDS.toNanos(context.wsPingIntervalMs)) {
            lastPingNs = nowNs;
            ctx.writeAndFlush(ServerFrames.control(ctx.alloc(), ServerFrames.PING, null), ctx.voidPromise());
        }
    }

    @Override
    public void goAway() {
        close(CloseCodes.GOING_AWAY, "server shutting down");
    }

    @Override
    public void restart(long retryMs) {
        close(CloseCodes.SERVICE_RESTART, "service restart; retry_ms=" + retryMs);
    }

    @Override
    public void expired() {
        close(CloseCodes.TOKEN_EXPIRED, "token expired");
    }

    /**
     * Whether this message is within the connection's rate; counts and acts on violations. A
     * publisher (a feed handler pushing batches) has its own, higher bound.
     */
    private boolean withinRate() {
        if (rate == null || ratePublisher != principal.publisher()) {
            rate = newRate();
        }
        if (rate.tryAcquire(System.nanoTime()) == 0) {
            return true;
        }
        final double perSecond = ratePublisher ? context.publisherMessagesPerSecond : context.messagesPerSecond;
        if (++rateViolations >= context.rateViolationsBeforeClose) {
            close(CloseCodes.RATE_LIMITED, "message rate limit");
        } else {
            sendError(null, ErrorCode.RATE_LIMITED, "more than " + (long) perSecond + " messages per second");
        }
        return false;
    }

    /** Whether the connection holds a rate bucket now (for tests). */
    boolean holdsRateBucket() {
        return rate != null;
    }

    private TokenBucket newRate() {
        ratePublisher = principal.publisher();
        return ratePublisher
                ? new TokenBucket(context.publisherMessagesPerSecond, context.publisherMessageBurst, System.nanoTime())
                : new TokenBucket(context.messagesPerSecond, context.messageBurst, System.nanoTime());
    }

    // ---- ticks out ----------------------------------------------------------------------------

    @Override
    public boolean isWritable() {
        return out.isWritable();
    }

    @Override
    public boolean hasBacklog() {
        return out.hasBacklog();
    }

    @Override
    public long unansweredSinceNs() {
        return receipts == null ? 0 : receipts.stalledSinceNs();
    }

    @Override
    public long writeTicks(EncodedTick[] ticks, int count) {
        return out.writeTicks(ticks, count, dueReadReceipt());
    }

    @Override
    public int writeConflated(EncodedTick tick) {
        return out.writeConflated(tick);
    }

    /**
     * A read receipt to write after the ticks being written, or null: a ping carrying its number,
     * which every WebSocket client echoes in its pong, at most once per {@code
     * outbound.readReceiptMs} while ticks flow. It goes in the same gathering write as the batch,
     * after it, so its pong proves the client read the batch: see {@link ReadReceipts}.
     */
    private ByteBuf dueReadReceipt() {
        if (context.readReceiptMs <= 0 || lifecycle.isClosing() || subscriber.isLagging()) {
            return null; // off; or while lagging, the receipts already owed tell when it caught up
        }
        final long nowNs = System.nanoTime();
        if (receipts == null) {
            receipts = new ReadReceipts(context.readReceiptMs, nowNs);
        }
        final long number = receipts.due(nowNs);
        return number == 0 ? null : pingFrame(number);
    }

    /** The complete ping frame (server to client: unmasked) carrying {@code number}. */
    private ByteBuf pingFrame(long number) {
        return ctx.alloc()
                .directBuffer(PING_FRAME_BYTES)
                .writeByte(0x80 | ServerFrames.PING) // FIN, opcode ping
                .writeByte(Long.BYTES) // unmasked, payload length 8
                .writeLong(number);
    }

    /** A pong: if it answers a read receipt, the client read everything written before it. */
    void onPong(ByteBuf content) {
        if (receipts != null && content.readableBytes() == 8) {
            receipts.answered(content.getLong(content.readerIndex()), System.nanoTime());
        }
    }

    @Override
    public void flush() {
        out.flush();
    }

    @Override
    public void schedule(Runnable task, long delayNs) {
        out.schedule(task, delayNs);
    }

    @Override
    public void closeSlowConsumer() {
        if (!lifecycle.isClosing()) {
            engine.counters().addShared(Counters.Counter.SLOW_CONSUMER_CLOSES, 1);
            close(CloseCodes.SLOW_CONSUMER, "slow consumer");
        }
    }

    void onWritabilityChanged() {
        lifecycle.writable();
    }

    // ---- requests in --------------------------------------------------------------------------

    void onText(ByteBuf content) {
        if (lifecycle.isClosing() || !withinRate()) {
            return;
        }
        final ClientMessage message;
        try {
            if (content.hasArray()) {
                message = context.decoder.decode(
                        content.array(), content.arrayOffset() + content.readerIndex(), content.readableBytes());
            } else {
                final byte[] bytes = ByteBufUtil.getBytes(content);
                message = context.decoder.decode(bytes, 0, bytes.length);
            }
        } catch (ProtocolException e) {
            sendError(e.requestId(), e.code(), e.getMessage());
            return;
        }
        switch (message.op) {
            case SUBSCRIBE -> subscribe(message);
            case UNSUBSCRIBE -> unsubscribe(message);
            case PUBLISH -> publish(message);
            case PING -> send(ServerMessages.pong(message.id, EpochNanos.now()));
            case REFRESH -> refresh(message);
        }
    }

    private void subscribe(ClientMessage m) {
        final String reply =
                SubscribeRequest.apply(m, principal, engine, subscriber, dispatcher, context.maxSubscriptions);
        if (reply != null) {
            send(reply);
        }
    }

    @Override
    public void onSubscribed(String ack) {
        if (!lifecycle.isClosing()) {
            if (receipts == null) {
                // The first receipt goes ahead of the first ack: a client that reads its ack has read
                // the ping, so its library answers it, and from then on the session is judged by its
                // receipts (one that never answers any is left to the byte signals; ReadReceipts).
                final ByteBuf ping = dueReadReceipt();
                if (ping != null) {
                    out.writeBytes(ping);
                }
            }
            out.write(ServerFrames.text(ctx.alloc(), ack));
        }
    }

    private void unsubscribe(ClientMessage m) {
        for (String symbol : m.symbols) {
            final int id = engine.symbols().idOf(symbol);
            if (id != SymbolTable.FULL) {
                engine.unsubscribe(subscriber, dispatcher, id);
            }
        }
        send(ServerMessages.ack(m.id, m.op, null));
    }

    private void refresh(ClientMessage m) {
        context.authenticator.verify(m.token, ctx.executor(), result -> {
            if (lifecycle.isClosing()) {
                return;
            }
            if (!result.isOk()) {
                sendError(m.id, ErrorCode.BAD_TOKEN, result.reason());
                return;
            }
            if (!result.principal().subject().equals(principal.subject())) {
                sendError(m.id, ErrorCode.BAD_TOKEN, "refresh token is for another subject");
                return;
            }
            principal = result.principal();
            lifecycle.refreshed(principal);
            // New entitlements apply at once: symbols the new token does not cover are dropped.
            final StringBuilder dropped = new StringBuilder();
            for (int id : subscriber.subscribedSymbolIds()) {
                final String symbol = engine.symbols().name(id);
                if (!principal.entitlements().allows(symbol)) {
                    engine.unsubscribe(subscriber, dispatcher, id);
                    dropped.append(dropped.length() == 0 ? "" : ",").append(symbol);
                }
            }
            if (dropped.length() > 0) {
                sendError(m.id, ErrorCode.NOT_ENTITLED, "unsubscribed, not entitled any more: " + dropped);
            }
            send(ServerMessages.ack(m.id, m.op, null));
        });
    }

    private void publish(ClientMessage m) {
        if (!principal.publisher()) {
            sendError(m.id, ErrorCode.FORBIDDEN, "publish needs the publisher role");
            return;
        }
        send(PublishRequest.apply(engine, m));
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    void onClosed() {
        lifecycle.closed();
        subscriber.releaseHeld();
        engine.unsubscribeAll(subscriber, dispatcher);
    }

    /**
     * Sends a close frame with {@code code} and closes once the kernel took it (the peer reads it
     * after what its kernel holds), or resets the connection after {@link #CLOSE_TIMEOUT_MS} if the
     * kernel did not take it (a slow consumer's close frame stuck behind its backlog). The reset is
     * armed only for a frame the flush left queued: in a storm almost every close frame is written
     * at once, and a timer per close (15,000 for an admin drop) would only fire on closed channels.
     */
    void close(int code, String reason) {
        if (!lifecycle.startClosing()) {
            return;
        }
        // From the channel's pooled allocator, one buffer per close of a storm.
        final ChannelFuture written = ctx.writeAndFlush(ServerFrames.close(ctx.alloc(), code, reason));
        written.addListener(ChannelFutureListener.CLOSE);
        if (!written.isDone()) {
            ctx.executor().schedule(() -> Connections.reset(ctx.channel()), CLOSE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        }
    }

    private void send(String json) {
        ctx.writeAndFlush(ServerFrames.text(ctx.alloc(), json), ctx.voidPromise());
    }

    private void sendError(String id, ErrorCode code, String message) {
        send(ServerMessages.error(id, code, message));
    }
}
