package io.tickfan.server.testing;

import io.tickfan.protocol.ClientMessageEncoder;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.ServerMessageDecoder;
import io.tickfan.protocol.Tick;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A real WebSocket client (the JDK's {@link java.net.http.WebSocket}) that keeps every message it
 * receives, decoded with {@link ServerMessageDecoder}. The {@code await...} methods wait on the
 * arrival of messages up to a deadline ({@link #TIMEOUT} unless given) and fail with what was
 * received so far; they never sleep.
 *
 * <pre>
 * try (TestClient c = TestClient.connect(server.wsUri(), token)) {
 *     c.awaitAck(c.subscribe("AAPL"));
 *     List&lt;Tick&gt; ticks = c.awaitTicks("AAPL", 3);
 * }
 * </pre>
 */
public final class TestClient implements AutoCloseable {
    /** Default deadline of every await. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static final ExecutorService CALLBACKS = Executors.newFixedThreadPool(4, r -> {
        final Thread t = new Thread(r, "test-ws-client");
        t.setDaemon(true);
        return t;
    });
    private static final HttpClient HTTP =
            HttpClient.newBuilder().executor(CALLBACKS).connectTimeout(TIMEOUT).build();

    private final Object lock = new Object();
    private final List<Received> received = new ArrayList<>();
    private final ServerMessageDecoder decoder = new ServerMessageDecoder();
    private final ServerMessage scratch = new ServerMessage();
    private final StringBuilder partial = new StringBuilder();
    private final AtomicInteger nextId = new AtomicInteger();
    private volatile WebSocket ws;
    private Integer closeCode;
    private String closeReason;
    private Throwable error;

    private TestClient() {}

    /** Connects with {@code Authorization: Bearer <token>} and waits for the upgrade. */
    public static TestClient connect(URI uri, String token) {
        return join(connectAsync(uri, token));
    }

    /** Starts connecting with {@code Authorization: Bearer <token>} (for opening many at once). */
    public static CompletableFuture<TestClient> connectAsync(URI uri, String token) {
        return open(HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + token), uri);
    }

    /** Connects the browser way: subprotocols {@code tickfan.v1} and {@code bearer.<token>}. */
    public static TestClient connectWithSubprotocol(URI uri, String token) {
        return join(open(HTTP.newWebSocketBuilder().subprotocols("tickfan.v1", "bearer." + token), uri));
    }

    /** Connects with the token in a cookie. */
    public static TestClient connectWithCookie(URI uri, String cookieName, String token) {
        return join(open(HTTP.newWebSocketBuilder().header("Cookie", cookieName + "=" + token), uri));
    }

    private static CompletableFuture<TestClient> open(WebSocket.Builder builder, URI uri) {
        final TestClient client = new TestClient();
        return builder.connectTimeout(TIMEOUT)
                .buildAsync(uri, client.new Listener())
                .thenApply(ws -> {
                    client.ws = ws;
                    return client;
                });
    }

    /** The subprotocol the server selected ("" if none). */
    public String subprotocol() {
        return ws.getSubprotocol();
    }

    // ---- sending ----------------------------------------------------------------------------

    /** Sends one text message and waits until it is written. */
    public void send(String text) {
        join(ws.sendText(text, true));
    }

    /** Sends a text message in two frames (a fragmented message). */
    /**
     * Sends a text message in two fragments. The server closes on the first fragment, so the
     * second may find the connection closed already: that failure is expected and ignored (the
     * caller asserts the close code).
     */
    public void sendFragmented(String first, String second) {
        join(ws.sendText(first, false));
        try {
            ws.sendText(second, true).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // Closed by the server before the second fragment went out.
        } catch (InterruptedException | TimeoutException e) {
            throw new AssertionError("WebSocket send failed", e);
        }
    }

    public void sendBinary(byte[] bytes) {
        join(ws.sendBinary(ByteBuffer.wrap(bytes), true));
    }

    /** Sends {@code subscribe} for {@code symbols}; returns the request id to await the ack with. */
    public String subscribe(String... symbols) {
        final String id = newId("sub");
        send(ClientMessageEncoder.subscribe(id, Arrays.asList(symbols), Map.of(), null, 0));
        return id;
    }

    /** Sends {@code unsubscribe}; returns the request id. */
    public String unsubscribe(String... symbols) {
        final String id = newId("unsub");
        send(ClientMessageEncoder.unsubscribe(id, Arrays.asList(symbols)));
        return id;
    }

    /** Sends {@code ping}; returns the request id. */
    public String ping() {
        final String id = newId("ping");
        send(ClientMessageEncoder.ping(id));
        return id;
    }

    /** Sends {@code publish} of {@code ticks} with a request id; returns the id. */
    public String publish(Tick... ticks) {
        final String id = newId("pub");
        final io.netty.buffer.ByteBuf buf = io.netty.buffer.Unpooled.buffer();
        try {
            ClientMessageEncoder.writePublish(buf, ticks, ticks.length);
            final String json = buf.toString(StandardCharsets.UTF_8);
            send("{\"id\":\"" + id + "\"," + json.substring(1));
        } finally {
            buf.release();
        }
        return id;
    }

    /** Subscribes and waits for the ack. */
    public void subscribeAndAwaitAck(String... symbols) {
        awaitAck(subscribe(symbols));
    }

    private String newId(String prefix) {
        return prefix + "-" + nextId.incrementAndGet();
    }

    // ---- receiving --------------------------------------------------------------------------

    /** Every message received so far, in order. */
    public List<Received> messages() {
        synchronized (lock) {
            return List.copyOf(received);
        }
    }

    /** The ticks of {@code symbol} received so far, in order. */
    public List<Tick> ticks(String symbol) {
        synchronized (lock) {
            return ticksLocked(symbol);
        }
    }

    private List<Tick> ticksLocked(String symbol) {
        final List<Tick> ticks = new ArrayList<>();
        for (Received r : received) {
            if (r.isTickOf(symbol)) {
                ticks.add(r.tick());
            }
        }
        return ticks;
    }

    /** Waits for the first message (received at any time) that matches. */
    public Received await(Predicate<Received> matches, String what) {
        return await(matches, what, TIMEOUT);
    }

    public Received await(Predicate<Received> matches, String what, Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            int scanned = 0;
            while (true) {
                for (; scanned < received.size(); scanned++) {
                    if (matches.test(received.get(scanned))) {
                        return received.get(scanned);
                    }
                }
                waitLocked(deadline, what);
            }
        }
    }

    public Received awaitAck(String requestId) {
        return await(r -> r.isAck(requestId), "ack of " + requestId);
    }

    public Received awaitError(String errorCode) {
        return await(r -> r.isError(errorCode), "error " + errorCode);
    }

    /** Waits for the pong answering {@code pingId}. */
    public Received awaitPong(String pingId) {
        return await(r -> r.type() == ServerMessage.Type.PONG && pingId.equals(r.id()), "pong " + pingId);
    }

    /** Waits until at least {@code count} ticks of {@code symbol} arrived; returns all of them. */
    public List<Tick> awaitTicks(String symbol, int count) {
        return awaitTicks(symbol, count, TIMEOUT);
    }

    public List<Tick> awaitTicks(String symbol, int count, Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                final List<Tick> ticks = ticksLocked(symbol);
                if (ticks.size() >= count) {
                    return ticks;
                }
                waitLocked(deadline, count + " ticks of " + symbol + " (have " + ticks.size() + ")");
            }
        }
    }

    /** Waits until a tick of {@code symbol} with {@code seq} arrived. */
    public Tick awaitSeq(String symbol, long seq) {
        return await(r -> r.isTickOf(symbol) && r.tick().seq == seq, symbol + " seq " + seq)
                .tick();
    }

    /** Waits for the server to close the connection; returns the close code (1006 if closed without one). */
    public int awaitClose() {
        return awaitClose(TIMEOUT);
    }

    public int awaitClose(Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (closeCode == null) {
                waitLocked(deadline, "close");
            }
            return closeCode;
        }
    }

    public boolean isClosed() {
        synchronized (lock) {
            return closeCode != null;
        }
    }

    public String closeReason() {
        synchronized (lock) {
            return closeReason;
        }
    }

    private void waitLocked(long deadlineNs, String what) {
        final long remainingNs = deadlineNs - System.nanoTime();
        if (remainingNs <= 0) {
            throw new AssertionError("timed out waiting for " + what + "; received " + received.size()
                    + " messages, last: " + received.subList(Math.max(0, received.size() - 5), received.size())
                    + (closeCode != null ? ", closed with " + closeCode + " " + closeReason : "")
                    + (error != null ? ", error " + error : ""));
        }
        try {
            lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remainingNs)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for " + what, e);
        }
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(t -> null);
        }
        ws.abort();
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "TestClient{" + received.size() + " messages, close " + closeCode + "}";
        }
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("WebSocket operation failed", e);
        }
    }

    /** Summary of a client's ticks of one symbol, for assertion messages. */
    public String describeTicks(String symbol) {
        return ticks(symbol).stream()
                .map(t -> t.seq + (t.isSnapshot() ? "s" : ""))
                .collect(Collectors.joining(","));
    }

    private final class Listener implements WebSocket.Listener {
        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(Long.MAX_VALUE);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            if (!last) {
                partial.append(data);
                return null;
            }
            final String text;
            if (partial.length() > 0) {
                text = partial.append(data).toString();
                partial.setLength(0);
            } else {
                text = data.toString();
            }
            WireLog.ws(text);
            final byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Received r;
            try {
                r = Received.of(decoder.decode(bytes, 0, bytes.length, scratch), text);
            } catch (ProtocolException e) {
                r = new Received(
                        ServerMessage.Type.OTHER, null, null, "undecodable", e.getMessage(), null, 0, null, text);
            }
            synchronized (lock) {
                received.add(r);
                lock.notifyAll();
            }
            return null;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
            synchronized (lock) {
                received.add(new Received(
                        ServerMessage.Type.OTHER, null, null, "binary", null, null, 0, null, "<binary frame>"));
                lock.notifyAll();
            }
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            synchronized (lock) {
                closeCode = statusCode;
                closeReason = reason;
                lock.notifyAll();
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable t) {
            synchronized (lock) {
                error = t;
                if (closeCode == null) {
                    closeCode = 1006;
                    closeReason = "abnormal: " + t;
                }
                lock.notifyAll();
            }
        }
    }
}
