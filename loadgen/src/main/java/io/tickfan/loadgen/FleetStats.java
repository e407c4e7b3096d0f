package io.tickfan.loadgen;

import io.tickfan.client.ClientListener;
import io.tickfan.client.SseListener;
import io.tickfan.client.SseSubscription;
import io.tickfan.client.TickStatus;
import io.tickfan.client.TickfanClient;
import io.tickfan.protocol.CloseCodes;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.Tick;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * What a fleet of subscribers saw, summed over all of them; its callbacks run on the clients'
 * event loops. Latency is recorded for live ticks whose intended send time ({@code ts}) falls in
 * the measurement window; seq checks run on every tick. For storms it also keeps, per client, when
 * it was dropped and when it was back.
 */
final class FleetStats implements ClientListener, SseListener {
    final LatencyStats latency = new LatencyStats();
    final LongAdder live = new LongAdder();
    final LongAdder measured = new LongAdder();
    final LongAdder snapshots = new LongAdder();
    final LongAdder resets = new LongAdder();
    final LongAdder gaps = new LongAdder();
    final LongAdder missing = new LongAdder();
    final LongAdder duplicates = new LongAdder();
    final LongAdder conflated = new LongAdder();
    final LongAdder firsts = new LongAdder();
    final LongAdder opens = new LongAdder();
    final LongAdder reopens = new LongAdder();
    final LongAdder closes = new LongAdder();
    /**
     * Closes as a slow consumer: the 4008 close frame, or a connection that just ended (-1: the
     * server resets a slow consumer whose close frame cannot pass its backlog). Counted alike.
     */
    final LongAdder slowConsumerCloses = new LongAdder();

    final LongAdder connectFailures = new LongAdder();
    final LongAdder failovers = new LongAdder();
    final LongAdder rejects = new LongAdder();
    final LongAdder retryAfterHonoured = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder subscribeAcks = new LongAdder();
    final LongAdder resumeAcks = new LongAdder();
    final LongAdder epochChanges = new LongAdder();
    final LongAdder negativeLatencies = new LongAdder();
    final AtomicInteger openNow = new AtomicInteger();
    final ConcurrentHashMap<String, LongAdder> rejectsByStatus = new ConcurrentHashMap<>();
    final ConcurrentHashMap<String, LongAdder> errorsByCode = new ConcurrentHashMap<>();
    /** Failed connection attempts by cause: refused, timed_out, reset, closed_before_upgrade, handshake, other. */
    final ConcurrentHashMap<String, LongAdder> connectFailuresByCause = new ConcurrentHashMap<>();

    private volatile long windowStartNs = Long.MAX_VALUE;
    private volatile long windowEndNs = Long.MAX_VALUE;

    // Storm tracking, by client index; 0 means "not yet".
    private final AtomicLongArray droppedAtNs;
    private final AtomicLongArray backAtNs;
    private final AtomicLongArray resumeAcked;
    /** Per client, its latest connection event once armed: what the storm report says of clients not back. */
    private final java.util.concurrent.atomic.AtomicReferenceArray<String> lastEvent;

    private volatile boolean armed;
    private final java.util.concurrent.atomic.AtomicIntegerArray gappedAfterDrop;
    /** Clients that saw a gap or a reset after coming back (their resume was not a full replay). */
    final AtomicInteger resumesWithGaps = new AtomicInteger();
    /** Live ticks meant to be sent while their client was away, received after it came back. */
    final LongAdder replayed = new LongAdder();

    final AtomicInteger dropped = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong firstDropNs = new java.util.concurrent.atomic.AtomicLong();
    final AtomicInteger back = new AtomicInteger();

    FleetStats(int clients) {
        this.droppedAtNs = new AtomicLongArray(clients);
        this.backAtNs = new AtomicLongArray(clients);
        this.resumeAcked = new AtomicLongArray(clients);
        this.lastEvent = new java.util.concurrent.atomic.AtomicReferenceArray<>(clients);
        this.gappedAfterDrop = new java.util.concurrent.atomic.AtomicIntegerArray(clients);
    }

    /** Ticks whose intended send time is in [startNs, endNs) count as measured. */
    void window(long startNs, long endNs) {
        windowEndNs = endNs;
        windowStartNs = startNs;
    }

    /** From now on, record each client's first drop and first reopen after it. */
    void arm() {
        armed = true;
    }

    /** When the first client was dropped (EpochNanos), or now if none was. */
    long firstDropNs() {
        final long t = firstDropNs.get();
        return t != 0 ? t : EpochNanos.now();
    }

    long droppedAt(int client) {
        return droppedAtNs.get(client);
    }

    long backAt(int client) {
        return backAtNs.get(client);
    }

    /** Seq checks and latency need only symbol, seq, ts and flags: let the clients scan, not decode. */
    @Override
    public boolean wantsPrices() {
        return false;
    }

    @Override
    public void onTick(TickfanClient client, Tick tick, long receivedNs, int status, long missingTicks) {
        if (armed) {
            onTickAfterDrop(index(client), tick.exchangeTimeNs, status);
        }
        record(tick, receivedNs, status, missingTicks);
    }

    @Override
    public void onTick(SseSubscription subscription, Tick tick, long receivedNs, int status, long missingTicks) {
        record(tick, receivedNs, status, missingTicks);
    }

    @Override
    public void onResponse(SseSubscription subscription, int status) {
        if (status == 200) {
            opens.increment();
            openNow.incrementAndGet();
            subscribeAcks.increment();
        } else {
            onRejected(null, status, -1);
        }
    }

    @Override
    public void onClosed(SseSubscription subscription, Throwable cause) {
        if (subscription.status() == 200) {
            closes.increment();
            openNow.decrementAndGet();
        } else if (subscription.status() == 0) {
            connectFailures.increment();
        }
    }

    private void record(Tick tick, long receivedNs, int status, long missingTicks) {
        switch (status) {
            case TickStatus.SNAPSHOT -> snapshots.increment();
            case TickStatus.RESET -> resets.increment();
            case TickStatus.DUPLICATE -> duplicates.increment();
            case TickStatus.GAP -> {
                gaps.increment();
                missing.add(missingTicks);
            }
            case TickStatus.CONFLATED -> conflated.increment();
            case TickStatus.FIRST -> firsts.increment();
            default -> {}
        }
        if (TickStatus.isLive(status)) {
            live.increment();
            final long ts = tick.exchangeTimeNs;
            if (ts >= windowStartNs && ts < windowEndNs) {
                measured.increment();
                final long latencyNs = receivedNs - ts;
                if (latencyNs < 0) {
                    negativeLatencies.increment();
                }
                latency.record(latencyNs);
            }
        }
    }

    private void onTickAfterDrop(int i, long tsNs, int status) {
        final long droppedNs = droppedAtNs.get(i);
        final long backNs = backAtNs.get(i);
        if (droppedNs == 0 || backNs == 0) {
            return;
        }
        if ((status == TickStatus.GAP || status == TickStatus.RESET) && gappedAfterDrop.compareAndSet(i, 0, 1)) {
            resumesWithGaps.incrementAndGet();
        }
        if (TickStatus.isLive(status) && tsNs >= droppedNs && tsNs < backNs) {
            replayed.increment();
        }
    }

    @Override
    public void onOpen(TickfanClient client, boolean reconnect) {
        opens.increment();
        openNow.incrementAndGet();
        if (reconnect) {
            reopens.increment();
        }
        if (armed) {
            final int i = index(client);
            lastEvent.set(i, "open");
            if (droppedAtNs.get(i) != 0 && backAtNs.compareAndSet(i, 0, EpochNanos.now())) {
                back.incrementAndGet();
            }
        }
    }

    @Override
    public void onClosed(TickfanClient client, int closeCode, String reason) {
        closes.increment();
        if (closeCode == CloseCodes.SLOW_CONSUMER || closeCode == -1) {
            slowConsumerCloses.increment();
        }
        openNow.decrementAndGet();
        note(client, "closed " + closeCode + " " + reason);
        if (armed && droppedAtNs.compareAndSet(index(client), 0, EpochNanos.now())) {
            firstDropNs.compareAndSet(0, droppedAtNs.get(index(client)));
            dropped.incrementAndGet();
        }
    }

    @Override
    public void onAck(TickfanClient client, ServerMessage ack, boolean epochChanged) {
        if ("subscribe".equals(ack.op)) {
            subscribeAcks.increment();
            if (armed && backAtNs.get(index(client)) != 0 && resumeAcked.compareAndSet(index(client), 0, 1)) {
                resumeAcks.increment();
            }
        }
        if (epochChanged) {
            epochChanges.increment();
        }
    }

    @Override
    public void onError(TickfanClient client, ServerMessage error) {
        errors.increment();
        note(client, "error " + error.code + ": " + error.message);
        errorsByCode
                .computeIfAbsent(String.valueOf(error.code), k -> new LongAdder())
                .increment();
    }

    @Override
    public void onRejected(TickfanClient client, int status, long retryAfterMs) {
        rejects.increment();
        note(client, "rejected " + status);
        rejectsByStatus
                .computeIfAbsent(Integer.toString(status), k -> new LongAdder())
                .increment();
    }

    @Override
    public void onConnectFailed(TickfanClient client, Throwable cause) {
        connectFailures.increment();
        note(client, "connect failed: " + causeOf(cause));
        connectFailuresByCause
                .computeIfAbsent(causeOf(cause), k -> new LongAdder())
                .increment();
    }

    /** A connect failure's kind, from its exception (Netty's are subclasses of the JDK's). */
    static String causeOf(Throwable cause) {
        if (cause instanceof io.netty.channel.ConnectTimeoutException) {
            return "timed_out";
        }
        if (cause instanceof java.net.ConnectException) {
            return "refused";
        }
        if (cause instanceof io.netty.handler.codec.http.websocketx.WebSocketHandshakeException) {
            return "handshake";
        }
        final String m = String.valueOf(cause.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("before the upgrade")) {
            return "closed_before_upgrade";
        }
        if (m.contains("reset")) {
            return "reset";
        }
        if (m.contains("refused")) {
            return "refused";
        }
        return "other";
    }

    static java.util.Map<String, Long> snapshot(ConcurrentHashMap<String, LongAdder> counts) {
        final java.util.Map<String, Long> m = new java.util.TreeMap<>();
        counts.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    static java.util.Map<String, Long> since(java.util.Map<String, Long> now, java.util.Map<String, Long> before) {
        final java.util.Map<String, Long> m = new java.util.TreeMap<>();
        now.forEach((k, v) -> {
            final long d = v - before.getOrDefault(k, 0L);
            if (d != 0) {
                m.put(k, d);
            }
        });
        return m;
    }

    @Override
    public void onFailover(TickfanClient client, java.net.URI from, java.net.URI to) {
        failovers.increment();
    }

    @Override
    public void onReconnectScheduled(TickfanClient client, long delayMs, boolean honoured) {
        if (honoured) {
            retryAfterHonoured.increment();
        }
    }

    private void note(TickfanClient client, String event) {
        if (armed && client != null) {
            lastEvent.set(index(client), event);
        }
    }

    /**
     * The first {@code max} clients dropped since {@link #arm()} whose resubscribe was not acked,
     * each as "client N: back|not back, last event ..." (the storm report names them).
     */
    java.util.List<String> notResubscribed(int max) {
        final java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = 0; i < droppedAtNs.length() && out.size() < max; i++) {
            if (droppedAtNs.get(i) != 0 && resumeAcked.get(i) == 0) {
                out.add("client " + i + ": " + (backAtNs.get(i) != 0 ? "back" : "not back") + ", last event "
                        + lastEvent.get(i));
            }
        }
        return out;
    }

    private static int index(TickfanClient client) {
        return (Integer) client.attachment();
    }
}
