package io.tickfan.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import io.tickfan.protocol.BinaryTicks;
import io.tickfan.protocol.ClientMessageEncoder;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ProtocolLimits;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One tickfan WebSocket connection that survives drops: it connects with its token, subscribes,
 * and after a drop reconnects with its {@link Backoff} (or later, if the server said so with
 * {@code Retry-After} or, unless {@link ClientOptions#restartSpread()} is off, a close reason
 * {@code retry_ms=N}) and resumes every symbol from the last
 * seq it holds, in the server's epoch. It checks each tick's seq and tells its {@link
 * ClientListener} whether the tick is in order, a gap, a duplicate, a snapshot or a reset.
 *
 * <p>Each client is pinned to one event loop of a shared {@link ClientTransport}; all its state is
 * touched only there. The public methods may be called from any thread.
 */
public final class TickfanClient {
    private static final FastThreadLocal<DecodeScratch> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected DecodeScratch initialValue() {
            return new DecodeScratch();
        }
    };

    private final ClientOptions options;
    private final ClientListener listener;
    private final EventLoop loop;
    private final Bootstrap bootstrap;
    private final HttpHeaders upgradeHeaders;
    /** The endpoints, in failover order, and their addresses. */
    private final URI[] uris;

    private final InetSocketAddress[] remotes;
    private final Map<String, SymbolCursor> cursors = new LinkedHashMap<>();
    /** The cursors by symbol bytes, for ticks read by the {@link TickScanner}; rebuilt with {@link #cursors}. */
    private SymbolTable symbolTable = SymbolTable.EMPTY;
    /** The listener wants only symbol, seq, time and flags: scan ticks instead of decoding them. */
    private final boolean scanTicks;

    private Object attachment;

    // Event-loop state.
    private Channel channel;
    private ScheduledFuture<?> reconnectTask;
    private String epoch;
    private int attempt;
    private long retryHintMs = -1;
    private boolean closed;
    private boolean gaveUp;
    private long opens;
    private int nextRequestId;
    /** Index into {@link #uris} of the endpoint in use. */
    private int current;
    /** The last attempt failed before the upgrade completed (move on to the next endpoint). */
    private boolean attemptFailed;
    /** Attempts that failed in a row since the last open, across endpoints. */
    private int failedInRow;

    private volatile Channel openChannel;
    private volatile URI currentUri;

    public TickfanClient(ClientTransport transport, ClientOptions options, ClientListener listener) {
        this.options = options;
        this.listener = listener;
        this.scanTicks = !listener.wantsPrices();
        this.loop = transport.group().next();
        this.uris = options.uris().toArray(new URI[0]);
        this.remotes = new InetSocketAddress[uris.length];
        for (int i = 0; i < uris.length; i++) {
            remotes[i] = InetSocketAddress.createUnresolved(uris[i].getHost(), ClientOptions.port(uris[i]));
        }
        this.currentUri = uris[0];
        this.upgradeHeaders = new DefaultHttpHeaders();
        if (options.token() != null) {
            upgradeHeaders.set(HttpHeaderNames.AUTHORIZATION, "Bearer " + options.token());
        }
        final Bootstrap b = transport.bootstrap(loop, options.localAddress());
        if (options.receiveBufferBytes() > 0) {
            b.option(ChannelOption.SO_RCVBUF, options.receiveBufferBytes());
        }
        this.bootstrap = b.handler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel ch) {
                final WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(
                        uris[current],
                        WebSocketVersion.V13,
                        options.subprotocols(),
                        false,
                        upgradeHeaders,
                        options.maxFramePayloadBytes());
                ch.pipeline()
                        .addLast("http", new HttpClientCodec())
                        .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                        .addLast("tickfan", new ClientHandler(TickfanClient.this, handshaker));
            }
        });
    }

    /** Anything the owner wants to find again from a listener callback (for example an index). */
    public Object attachment() {
        return attachment;
    }

    public TickfanClient attach(Object value) {
        this.attachment = value;
        return this;
    }

    public ClientOptions options() {
        return options;
    }

    /** The loop this client runs on. */
    public EventLoop eventLoop() {
        return loop;
    }

    /** The endpoint this client is connected or connecting to. */
    public URI uri() {
        return currentUri;
    }

    /** Whether the WebSocket is open (handshake done, not closed). */
    public boolean isOpen() {
        return openChannel != null;
    }

    /** Starts connecting; returns at once. Safe to call once. */
    public TickfanClient connect() {
        onLoop(() -> {
            if (!closed && channel == null && reconnectTask == null) {
                doConnect();
            }
        });
        return this;
    }

    /** Adds symbols (from the next message on, and on every resume). */
    public void subscribe(Collection<String> symbols) {
        final List<String> copy = List.copyOf(symbols);
        onLoop(() -> {
            final List<String> added = new ArrayList<>(copy.size());
            for (String s : copy) {
                if (cursors.putIfAbsent(s, new SymbolCursor(s)) == null) {
                    added.add(s);
                }
            }
            symbolTable = new SymbolTable(cursors.values());
            if (openChannel != null && !added.isEmpty()) {
                sendSubscribe(added, false);
            }
        });
    }

    /** Drops symbols; their cursors are forgotten. */
    public void unsubscribe(Collection<String> symbols) {
        final List<String> copy = List.copyOf(symbols);
        onLoop(() -> {
            copy.forEach(cursors::remove);
            symbolTable = new SymbolTable(cursors.values());
            if (openChannel != null) {
                send(ClientMessageEncoder.unsubscribe(nextId(), copy));
            }
        });
    }

    /** Sends a {@code ping}; the reply arrives at {@link ClientListener#onPong}. */
    public void ping(String id) {
        onLoop(() -> send(ClientMessageEncoder.ping(id)));
    }

    /**
     * Publishes {@code count} ticks as one batch; encodes on the calling thread. Each batch gets
     * exactly one reply, in order: an {@code ack}, or an {@code error} such as {@code
     * back_pressured}.
     *
     * @return false if the connection is not open (nothing was sent)
     */
    public boolean publish(Tick[] ticks, int count) {
        final Channel ch = openChannel;
        if (ch == null) {
            return false;
        }
        final ByteBuf payload = ch.alloc().buffer(64 + count * 160);
        ClientMessageEncoder.writePublish(payload, ticks, count);
        ch.writeAndFlush(new TextWebSocketFrame(payload), ch.voidPromise());
        return true;
    }

    /**
     * Stops reading from the socket (a stalled consumer, for tests and load runs): the server's
     * writes back up into its outbound buffer. {@link #close()} still works.
     */
    public void stopReading() {
        onLoop(() -> {
            final Channel ch = channel;
            if (ch != null) {
                ch.config().setAutoRead(false);
            }
        });
    }

    /** Whether the open connection can take more writes without queueing past its high-water mark. */
    public boolean isWritable() {
        final Channel ch = openChannel;
        return ch != null && ch.isWritable();
    }

    /** Stops reconnecting and closes the connection (with close code 1000). */
    public Future<?> close() {
        return loop.submit(() -> {
            closed = true;
            if (reconnectTask != null) {
                reconnectTask.cancel(false);
                reconnectTask = null;
            }
            final Channel ch = channel;
            if (ch != null) {
                if (openChannel != null) {
                    ch.writeAndFlush(new CloseWebSocketFrame(1000, "bye"));
                }
                ch.close();
            }
        });
    }

    // ---- connection lifecycle (event loop) ----------------------------------------------------

    private void doConnect() {
        reconnectTask = null;
        if (closed) {
            return;
        }
        final InetSocketAddress remote = remotes[current];
        final ChannelFuture future = options.localAddress() == null
                ? bootstrap.connect(remote)
                : bootstrap.connect(remote, options.localAddress());
        channel = future.channel();
        future.addListener(f -> {
            if (!f.isSuccess()) {
                channel = null;
                attemptFailed = true;
                listener.onConnectFailed(this, f.cause());
                scheduleReconnect();
            }
        });
    }

    WebSocketFrameReader newFrameReader() {
        return new WebSocketFrameReader(this, options.maxFramePayloadBytes());
    }

    void onOpen(Channel ch) {
        openChannel = ch;
        attempt = 0;
        failedInRow = 0;
        final boolean reconnect = opens++ > 0;
        listener.onOpen(this, reconnect);
        if (closed) {
            ch.close();
            return;
        }
        if (!cursors.isEmpty()) {
            sendSubscribe(new ArrayList<>(cursors.keySet()), true);
        }
    }

    void onRejected(int status, long retryAfterMs) {
        retryHintMs = retryAfterMs;
        attemptFailed = true;
        // 401 and 403 will not change by retrying with the same token; 408, 429 and 5xx may.
        if (status >= 400 && status < 500 && status != 408 && status != 429) {
            gaveUp = true;
        }
        listener.onRejected(this, status, retryAfterMs);
    }

    void onHandshakeFailed(Exception e) {
        attemptFailed = true;
        listener.onConnectFailed(this, e);
    }

    void onInactive(boolean wasOpen, int closeCode, String closeReason) {
        channel = null;
        if (wasOpen) {
            openChannel = null;
            final long hint = RetryHints.closeReasonRetryMs(closeReason);
            if (hint >= 0 && options.restartSpread()) {
                retryHintMs = hint;
            }
            listener.onClosed(this, closeCode, closeReason);
        }
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (closed || gaveUp || options.backoff() == null) {
            return;
        }
        if (attemptFailed && uris.length > 1) {
            // Another pod may be fine: try the next endpoint at once; back off only after a full round failed.
            attemptFailed = false;
            final URI from = uris[current];
            current = (current + 1) % uris.length;
            currentUri = uris[current];
            listener.onFailover(this, from, uris[current]);
            if (++failedInRow < uris.length) {
                retryHintMs = -1;
                reconnectTask = loop.schedule(this::doConnect, 0, TimeUnit.MILLISECONDS);
                return;
            }
            failedInRow = 0;
        }
        attemptFailed = false;
        long delayMs = options.backoff().delayMs(attempt++);
        final boolean honoured = retryHintMs >= 0;
        if (honoured) {
            delayMs = Math.max(delayMs, retryHintMs);
            retryHintMs = -1;
        }
        listener.onReconnectScheduled(this, delayMs, honoured);
        if (delayMs <= 0) {
            reconnectTask = loop.schedule(this::doConnect, 0, TimeUnit.MILLISECONDS);
        } else {
            reconnectTask = loop.schedule(this::doConnect, delayMs, TimeUnit.MILLISECONDS);
        }
    }

    // ---- messages (event loop) ----------------------------------------------------------------

    void onText(ByteBuf content, long receivedNs) {
        onText(content, content.readerIndex(), content.readableBytes(), receivedNs);
    }

    /** One text message: {@code length} bytes of {@code buf} at {@code index} (the caller keeps the buffer). */
    void onText(ByteBuf buf, int index, int length, long receivedNs) {
        final DecodeScratch scratch = SCRATCH.get();
        final byte[] bytes = scratch.bytes(length);
        buf.getBytes(index, bytes, 0, length);
        if (scanTicks && scanTick(scratch, bytes, length, receivedNs)) {
            return;
        }
        final ServerMessage m;
        try {
            m = scratch.decoder.decode(bytes, 0, length, scratch.message);
        } catch (ProtocolException e) {
            return;
        }
        switch (m.type) {
            case TICK -> onTick(m.tick, receivedNs);
            case ACK -> onAck(m);
            case ERROR -> listener.onError(this, m);
            case PONG -> listener.onPong(this, m, receivedNs);
            case OTHER -> {}
        }
    }

    /**
     * One binary message: a tick of {@value ClientOptions#BINARY_SUBPROTOCOL}. A subscribed symbol is
     * found by its bytes (no {@code String}); a message that is not a well-formed binary tick is
     * dropped, as an undecodable text message is.
     */
    void onBinary(ByteBuf buf, int index, int length, long receivedNs) {
        final DecodeScratch scratch = SCRATCH.get();
        final byte[] bytes = scratch.bytes(length);
        buf.getBytes(index, bytes, 0, length);
        final Tick tick = scratch.message.tick;
        try {
            BinaryTicks.readFields(bytes, 0, length, tick);
        } catch (IllegalArgumentException e) {
            return;
        }
        final int symbolOffset = BinaryTicks.symbolOffset();
        final int symbolLength = bytes[3];
        int hash = 0;
        for (int i = symbolOffset, end = symbolOffset + symbolLength; i < end; i++) {
            hash = 31 * hash + bytes[i];
        }
        final SymbolCursor cursor = symbolTable.find(bytes, symbolOffset, symbolLength, hash);
        if (cursor == null) {
            tick.symbol = new String(bytes, symbolOffset, symbolLength, StandardCharsets.US_ASCII);
            listener.onTick(this, tick, receivedNs, TickStatus.UNSUBSCRIBED, 0);
            return;
        }
        tick.symbol = cursor.symbol;
        final int status = cursor.advance(tick.seq, tick.flags);
        listener.onTick(this, tick, receivedNs, status, cursor.missing);
    }

    /** The fast path: true when the scanner took the message and it was a tick of a subscribed symbol. */
    private boolean scanTick(DecodeScratch scratch, byte[] bytes, int length, long receivedNs) {
        final Tick tick = scratch.message.tick;
        final SymbolCursor cursor = symbolTable.scanned(scratch.scanner, bytes, length, tick);
        if (cursor == null) {
            return false;
        }
        final int status = cursor.advance(tick.seq, tick.flags);
        listener.onTick(this, tick, receivedNs, status, cursor.missing);
        return true;
    }

    private void onTick(Tick tick, long receivedNs) {
        final SymbolCursor cursor = tick.symbol == null ? null : cursors.get(tick.symbol);
        if (cursor == null) {
            listener.onTick(this, tick, receivedNs, TickStatus.UNSUBSCRIBED, 0);
            return;
        }
        final int status = cursor.advance(tick);
        listener.onTick(this, tick, receivedNs, status, cursor.missing);
    }

    private void onAck(ServerMessage m) {
        boolean epochChanged = false;
        if ("subscribe".equals(m.op) && m.epoch != null) {
            if (epoch != null && !epoch.equals(m.epoch)) {
                // A new epoch numbers every symbol afresh: the old seqs mean nothing any more.
                epochChanged = true;
                for (SymbolCursor c : cursors.values()) {
                    c.seq = 0;
                }
            }
            epoch = m.epoch;
        }
        listener.onAck(this, m, epochChanged);
    }

    private void sendSubscribe(List<String> symbols, boolean resume) {
        final int chunk = ProtocolLimits.DEFAULTS.maxSymbolsPerMessage();
        for (int from = 0; from < symbols.size(); from += chunk) {
            final List<String> part = symbols.subList(from, Math.min(symbols.size(), from + chunk));
            Map<String, Long> since = null;
            if (resume && epoch != null) {
                since = new LinkedHashMap<>();
                for (String s : part) {
                    final long seq = cursors.get(s).seq;
                    if (seq > 0) {
                        since.put(s, seq);
                    }
                }
            }
            send(ClientMessageEncoder.subscribe(
                    nextId(), part, since, since == null || since.isEmpty() ? null : epoch, options.maxHz()));
        }
    }

    private void send(String json) {
        final Channel ch = openChannel;
        if (ch != null) {
            ch.writeAndFlush(new TextWebSocketFrame(json), ch.voidPromise());
        }
    }

    private String nextId() {
        return Integer.toString(++nextRequestId);
    }

    private void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            loop.execute(task);
        }
    }

    /** Per-thread decode state: one decoder and one reusable message per event loop. */
    private static final class DecodeScratch {
        final ServerMessageDecoder decoder = new ServerMessageDecoder();
        final ServerMessage message = new ServerMessage();
        final TickScanner scanner = new TickScanner();
        private byte[] bytes = new byte[4096];

        byte[] bytes(int length) {
            if (bytes.length < length) {
                bytes = new byte[Math.max(length, bytes.length * 2)];
            }
            return bytes;
        }
    }
}
