package io.tickfan.server.session;

import io.netty.util.concurrent.EventExecutor;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Every open WebSocket session, SSE stream (HTTP/1.1 and HTTP/2) and long poll in flight, so a
 * drain or an admin disconnect can reach them. Sessions add themselves when they open and remove
 * themselves when they close (one concurrent-set operation each).
 */
public final class SessionRegistry {
    private final Set<Drainable> sessions = ConcurrentHashMap.newKeySet();
    /** Per transport: ticks written by sessions that have closed (the open ones are summed live). */
    private final LongAdder[] closedTicksWritten = new LongAdder[TransportKind.values().length];
    /** Per transport: bytes of those ticks. */
    private final LongAdder[] closedTickBytes = new LongAdder[TransportKind.values().length];
    /** Per transport: batches those ticks went out in. */
    private final LongAdder[] closedBatches = new LongAdder[TransportKind.values().length];
    /** Per transport: ticks conflated away. */
    private final LongAdder[] closedConflated = new LongAdder[TransportKind.values().length];
    /** Per transport: sessions ever opened. */
    private final LongAdder[] opened = new LongAdder[TransportKind.values().length];

    /** Period of each loop's {@link LoopTimer}: how late a token expiry or a keep-alive check may come. */
    public static final long DEFAULT_TIMER_PERIOD_MS = 250;

    private final long timerPeriodMs;
    private final ConcurrentHashMap<EventExecutor, LoopTimer> timers = new ConcurrentHashMap<>();

    public SessionRegistry() {
        this(DEFAULT_TIMER_PERIOD_MS);
    }

    /** @param timerPeriodMs period of the sessions' timed checks on each event loop */
    public SessionRegistry(long timerPeriodMs) {
        if (timerPeriodMs < 1) {
            throw new IllegalArgumentException("timer period must be positive: " + timerPeriodMs);
        }
        this.timerPeriodMs = timerPeriodMs;
        for (int i = 0; i < opened.length; i++) {
            opened[i] = new LongAdder();
            closedTicksWritten[i] = new LongAdder();
            closedTickBytes[i] = new LongAdder();
            closedBatches[i] = new LongAdder();
            closedConflated[i] = new LongAdder();
        }
    }

    public void add(Drainable s) {
        if (sessions.add(s)) {
            opened[s.transport().ordinal()].increment();
        }
    }

    public void remove(Drainable s) {
        if (sessions.remove(s)) {
            closedTicksWritten[s.transport().ordinal()].add(s.ticksWritten());
            closedTickBytes[s.transport().ordinal()].add(s.tickBytesWritten());
            closedBatches[s.transport().ordinal()].add(s.batchesWritten());
            closedConflated[s.transport().ordinal()].add(s.ticksConflatedAway());
        }
    }

    /** What the metrics show of one transport's sessions. */
    public record TransportStats(
            TransportKind transport,
            int open,
            long opened,
            long subscriptions,
            long ticksWritten,
            long batchesWritten,
            long tickBytes,
            long ticksConflatedAway) {}

    /**
     * Any thread, at scrape time: per transport, open sessions, sessions ever opened, their
     * subscriptions and the ticks (and their bytes) written to them (closed sessions' included). One pass over the
     * open sessions; their counts may be a batch stale.
     */
    public List<TransportStats> statsByTransport() {
        final int n = TransportKind.values().length;
        final int[] open = new int[n];
        final long[] subscriptions = new long[n];
        final long[] written = new long[n];
        final long[] bytes = new long[n];
        final long[] batches = new long[n];
        final long[] conflated = new long[n];
        for (Drainable s : sessions) {
            final int t = s.transport().ordinal();
            open[t]++;
            subscriptions[t] += s.subscriptions();
            written[t] += s.ticksWritten();
            bytes[t] += s.tickBytesWritten();
            batches[t] += s.batchesWritten();
            conflated[t] += s.ticksConflatedAway();
        }
        final List<TransportStats> stats = new ArrayList<>(n);
        for (TransportKind k : TransportKind.values()) {
            final int t = k.ordinal();
            stats.add(new TransportStats(
                    k,
                    open[t],
                    opened[t].sum(),
                    subscriptions[t],
                    written[t] + closedTicksWritten[t].sum(),
                    batches[t] + closedBatches[t].sum(),
                    bytes[t] + closedTickBytes[t].sum(),
                    conflated[t] + closedConflated[t].sum()));
        }
        return stats;
    }

    /** The timer of the sessions on {@code loop}; made on first use. */
    LoopTimer timerOf(EventExecutor loop) {
        final LoopTimer t = timers.get(loop);
        return t != null ? t : timers.computeIfAbsent(loop, l -> new LoopTimer(l, timerPeriodMs));
    }

    public int size() {
        return sessions.size();
    }

    /** Closes every session at once, for a shutdown without a drain. */
    public void goAwayAll() {
        for (Drainable s : sessions) {
            s.executor().execute(s::goAway);
        }
    }

    /**
     * Sends every session away so that clients come back spread uniformly over the next {@code
     * windowMs} rather than all in the same second: each session draws a moment in {@code [0,
     * windowMs)} after this call and is told to come back then, i.e. after that moment less the time
     * its loop took to reach it ({@code retry_ms} 0 once the moment has passed). Closing fifteen
     * thousand sessions takes a loop a second or two; counting each delay from its own close instead
     * would push the last returns that much past the window.
     *
     * @return how many sessions were told
     */
    public int restartAll(long windowMs) {
        return restartAll(windowMs, System::nanoTime);
    }

    int restartAll(long windowMs, LongSupplier nanoClock) {
        final long startNs = nanoClock.getAsLong();
        int n = 0;
        for (Drainable s : sessions) {
            final long atMs = windowMs > 0 ? ThreadLocalRandom.current().nextLong(windowMs) : 0;
            s.executor().execute(() -> {
                final long elapsedMs = (nanoClock.getAsLong() - startNs) / 1_000_000;
                s.restart(Math.max(0, atMs - elapsedMs));
            });
            n++;
        }
        return n;
    }
}
