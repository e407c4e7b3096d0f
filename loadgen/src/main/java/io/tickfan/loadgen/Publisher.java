package io.tickfan.loadgen;

import io.tickfan.client.Backoff;
import io.tickfan.client.ClientListener;
import io.tickfan.client.ClientOptions;
import io.tickfan.client.ClientTransport;
import io.tickfan.client.TickfanClient;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.ErrorCode;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.Tick;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Publishes ticks at a fixed rate, open loop: tick i is due at {@code start + i / rate} and
 * carries that intended time as its {@code ts}, whether or not the sender kept up, so a stall
 * shows up as latency instead of hiding (no coordinated omission). Ticks go round-robin over the
 * symbols; each symbol always goes through the same connection, which keeps its order.
 *
 * <p>Each batch gets exactly one reply, in order, so the replies are matched to the batches by a
 * FIFO per connection: an {@code ack} counts the batch as accepted, {@code back_pressured} counts
 * the accepted prefix and the rest as refused.
 */
final class Publisher implements AutoCloseable, ClientListener {
    private static final Pattern ACCEPTED = Pattern.compile("accepted (\\d+) of");

    private final List<TickfanClient> connections = new ArrayList<>();
    private final List<Queue<Batch>> inFlight = new ArrayList<>();
    private final String[] symbols;
    private final int maxBatch;
    private final boolean ownSeq;
    private final long holeEvery;
    private final long[] nextSeq;
    private final long[] ticksOfSymbol;

    final AtomicLongArray acceptedMeasured;
    final LongAdder sent = new LongAdder();
    final LongAdder accepted = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder notConnected = new LongAdder();
    final LongAdder batches = new LongAdder();
    final LongAdder holes = new LongAdder();
    final Histogram sendLag = LatencyStats.newHistogram();
    /** Reopened connections, and the longest time one was away (closed until open again). */
    final LongAdder reconnects = new LongAdder();

    final AtomicLong longestAwayNs = new AtomicLong();
    /** Per connection: when it closed (System.nanoTime), 0 while open. */
    private final AtomicLongArray closedAtNs;

    final AtomicReference<String> fatalError = new AtomicReference<>();
    private volatile boolean stop;

    /**
     * @param ownSeq the publisher numbers ticks itself (from {@code seqStart}), which the server
     *     accepts when above its last; otherwise the server numbers them
     * @param holeEvery with {@code ownSeq}: skip one seq number after every this many ticks of a
     *     symbol (0: never), to prove subscribers report gaps
     */
    Publisher(
            ClientTransport transport,
            List<URI> urls,
            String token,
            int connectionCount,
            String[] symbols,
            int maxBatch,
            boolean ownSeq,
            long seqStart,
            long holeEvery) {
        this.symbols = symbols;
        this.maxBatch = maxBatch;
        this.ownSeq = ownSeq;
        this.holeEvery = holeEvery;
        this.nextSeq = new long[symbols.length];
        java.util.Arrays.fill(nextSeq, seqStart);
        this.ticksOfSymbol = new long[symbols.length];
        this.acceptedMeasured = new AtomicLongArray(symbols.length);
        final int n = Math.max(1, Math.min(connectionCount, symbols.length));
        this.closedAtNs = new AtomicLongArray(n);
        final Backoff quick = Backoff.exponential(50, 2000, 2.0, 0.5);
        for (int i = 0; i < n; i++) {
            // A feed connection comes back on its backoff, not at the moment a restart drew for it:
            // while it is away nobody gets a tick.
            final ClientOptions options = ClientOptions.of(Fleet.rotated(urls, i), token)
                    .withBackoff(quick)
                    .withRestartSpread(false);
            connections.add(new TickfanClient(transport, options, this).attach(i));
            inFlight.add(new ConcurrentLinkedQueue<>());
        }
    }

    int connectionCount() {
        return connections.size();
    }

    void connect() {
        connections.forEach(TickfanClient::connect);
    }

    boolean allOpen() {
        return connections.stream().allMatch(TickfanClient::isOpen);
    }

    long inFlightBatches() {
        long n = 0;
        for (Queue<Batch> q : inFlight) {
            n += q.size();
        }
        return n;
    }

    /** Publishes one tick of every symbol (not measured), so every symbol has a value to snapshot. */
    void prime() {
        final Tick[][] slots = newSlots();
        final int[] counts = new int[connections.size()];
        final Batch[] batchOf = new Batch[connections.size()];
        final long now = EpochNanos.now();
        for (int s = 0; s < symbols.length; s++) {
            final int conn = s % connections.size();
            if (batchOf[conn] == null) {
                batchOf[conn] = new Batch(maxBatch);
            }
            fill(slots[conn][counts[conn]], s, now, 0, false);
            batchOf[conn].add(s, false);
            if (++counts[conn] == maxBatch) {
                send(conn, slots[conn], counts[conn], batchOf[conn]);
                counts[conn] = 0;
                batchOf[conn] = null;
            }
        }
        for (int c = 0; c < counts.length; c++) {
            if (counts[c] > 0) {
                send(c, slots[c], counts[c], batchOf[c]);
            }
        }
    }

    /**
     * Paces {@code rate} ticks a second from {@code startNs} for {@code durationNs} (epoch ns);
     * ticks intended in [windowStartNs, windowEndNs) are the measured ones. Runs on the calling
     * thread until done or {@link #stop()}.
     */
    void pace(double rate, long startNs, long durationNs, long windowStartNs, long windowEndNs) {
        final double intervalNs = 1e9 / rate;
        final long total = (long) Math.floor(durationNs / intervalNs);
        final Tick[][] slots = newSlots();
        final int[] counts = new int[connections.size()];
        final Batch[] batchOf = new Batch[connections.size()];
        long i = 0;
        while (i < total && !stop) {
            final long now = EpochNanos.now();
            long due = (long) Math.floor((now - startNs) / intervalNs) + 1;
            if (due > total) {
                due = total;
            }
            if (i < due) {
                final long firstIntendedNs = startNs + (long) (i * intervalNs);
                sendLag.recordValue(Math.max(0, Math.min(now - firstIntendedNs, LatencyStats.MAX_NS)));
            }
            for (; i < due; i++) {
                final long intendedNs = startNs + (long) (i * intervalNs);
                final int s = (int) (i % symbols.length);
                final int conn = s % connections.size();
                final boolean measured = intendedNs >= windowStartNs && intendedNs < windowEndNs;
                if (batchOf[conn] == null) {
                    batchOf[conn] = new Batch(maxBatch);
                }
                fill(slots[conn][counts[conn]], s, intendedNs, i, true);
                batchOf[conn].add(s, measured);
                if (++counts[conn] == maxBatch) {
                    send(conn, slots[conn], counts[conn], batchOf[conn]);
                    counts[conn] = 0;
                    batchOf[conn] = null;
                }
            }
            for (int c = 0; c < counts.length; c++) {
                if (counts[c] > 0) {
                    send(c, slots[c], counts[c], batchOf[c]);
                    counts[c] = 0;
                    batchOf[c] = null;
                }
            }
            if (i >= total) {
                break;
            }
            final long nextNs = startNs + (long) (i * intervalNs);
            final long waitNs = nextNs - EpochNanos.now();
            if (waitNs > 0) {
                LockSupport.parkNanos(waitNs);
            }
        }
    }

    void stop() {
        stop = true;
    }

    private Tick[][] newSlots() {
        final Tick[][] slots = new Tick[connections.size()][maxBatch];
        for (Tick[] row : slots) {
            for (int j = 0; j < row.length; j++) {
                row[j] = new Tick();
            }
        }
        return slots;
    }

    private void fill(Tick t, int s, long intendedNs, long i, boolean live) {
        t.clear();
        t.symbol = symbols[s];
        if (ownSeq) {
            if (live && holeEvery > 0 && ticksOfSymbol[s] > 0 && ticksOfSymbol[s] % holeEvery == 0) {
                nextSeq[s]++;
                holes.increment();
            }
            t.seq = nextSeq[s]++;
            if (live) {
                ticksOfSymbol[s]++;
            }
        }
        t.exchangeTimeNs = intendedNs;
        final long step = (i % 200) - 100;
        t.bid = 100 * Decimals.ONE + step * (Decimals.ONE / 100);
        t.ask = t.bid + Decimals.ONE / 100;
        t.bidSize = (100 + (i % 7) * 100) * Decimals.ONE;
        t.askSize = (200 + (i % 5) * 100) * Decimals.ONE;
        t.fieldMask = Tick.BID | Tick.ASK | Tick.BID_SIZE | Tick.ASK_SIZE;
        if (i % 4 == 0) {
            t.last = t.bid;
            t.lastSize = 50 * Decimals.ONE;
            t.fieldMask |= Tick.LAST | Tick.LAST_SIZE;
        }
    }

    private void send(int conn, Tick[] ticks, int count, Batch batch) {
        final Queue<Batch> queue = inFlight.get(conn);
        queue.add(batch);
        batches.increment();
        sent.add(count);
        if (!connections.get(conn).publish(ticks, count)) {
            // Not connected: the batch never left; take it back off the FIFO (it is the newest).
            ((ConcurrentLinkedQueue<Batch>) queue).remove(batch);
            notConnected.add(count);
            sent.add(-count);
        }
    }

    // ---- replies (event loop) -----------------------------------------------------------------

    @Override
    public void onAck(TickfanClient client, ServerMessage ack, boolean epochChanged) {
        if ("publish".equals(ack.op)) {
            final Batch b = inFlight.get((Integer) client.attachment()).poll();
            if (b != null) {
                settle(b, b.count);
            }
        }
    }

    @Override
    public void onError(TickfanClient client, ServerMessage error) {
        final boolean backPressured = ErrorCode.BACK_PRESSURED.wireName().equals(error.code);
        if (!backPressured) {
            // Before the batch leaves the in-flight queue: whoever sees the queue empty (priming
            // done) then sees the error too, and does not go on as if the symbols were published.
            fatalError.compareAndSet(null, error.code + ": " + error.message);
        }
        final Batch b = inFlight.get((Integer) client.attachment()).poll();
        if (backPressured) {
            final Matcher m = ACCEPTED.matcher(String.valueOf(error.message));
            settle(b, m.find() ? Integer.parseInt(m.group(1)) : 0);
            return;
        }
        if (b != null) {
            settle(b, 0);
        }
    }

    @Override
    public void onOpen(TickfanClient client, boolean reconnect) {
        final long closedAt = closedAtNs.getAndSet((Integer) client.attachment(), 0);
        if (reconnect && closedAt != 0) {
            reconnects.increment();
            final long away = System.nanoTime() - closedAt;
            longestAwayNs.accumulateAndGet(away, Math::max);
        }
    }

    @Override
    public void onClosed(TickfanClient client, int closeCode, String reason) {
        closedAtNs.compareAndSet((Integer) client.attachment(), 0, System.nanoTime());
        // Replies to what was in flight will never come; it is unknown how much the server took.
        final Queue<Batch> queue = inFlight.get((Integer) client.attachment());
        Batch b;
        while ((b = queue.poll()) != null) {
            refused.add(b.count);
        }
    }

    @Override
    public void onRejected(TickfanClient client, int status, long retryAfterMs) {
        if (status == 401 || status == 403) {
            fatalError.compareAndSet(null, "publisher connection refused with HTTP " + status);
        }
    }

    private void settle(Batch b, int acceptedCount) {
        if (b == null) {
            return;
        }
        final int n = Math.min(acceptedCount, b.count);
        accepted.add(n);
        refused.add(b.count - n);
        for (int j = 0; j < n; j++) {
            if (b.measured[j]) {
                acceptedMeasured.incrementAndGet(b.symbols[j]);
            }
        }
    }

    /**
     * The counts every report of a publisher starts with: ticks sent, accepted and refused by the
     * server, not sent for want of a connection, and the connections' reconnects and longest absence.
     */
    Map<String, Object> counts() {
        final Map<String, Object> m = BaseCommand.map();
        m.put("sent", sent.sum());
        m.put("accepted", accepted.sum());
        m.put("refused", refused.sum());
        m.put("not_connected", notConnected.sum());
        m.put("reconnects", reconnects.sum());
        m.put("longest_away_ms", longestAwayNs.get() / 1e6);
        return m;
    }

    long acceptedMeasuredTotal() {
        long n = 0;
        for (int s = 0; s < symbols.length; s++) {
            n += acceptedMeasured.get(s);
        }
        return n;
    }

    @Override
    public void close() {
        stop = true;
        for (TickfanClient c : connections) {
            c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    /** The symbols of one published batch, and which of its ticks are measured. */
    private static final class Batch {
        int[] symbols;
        boolean[] measured;
        int count;

        Batch(int capacity) {
            symbols = new int[Math.min(capacity, 8)];
            measured = new boolean[symbols.length];
        }

        void add(int symbol, boolean isMeasured) {
            if (count == symbols.length) {
                symbols = java.util.Arrays.copyOf(symbols, count * 2);
                measured = java.util.Arrays.copyOf(measured, count * 2);
            }
            symbols[count] = symbol;
            measured[count] = isMeasured;
            count++;
        }
    }
}
