package io.tickfan.server.bridge;

import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.Counters;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.SymbolTable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that appends this pod's published ticks to Redis. Publishers (event loops, the demo
 * feed) write into a lock-free {@link IngestRing} of their own; this thread drains it into a
 * bounded buffer, cuts per-shard batches and sends each as one {@code EVALSHA} of {@link
 * AppendScript}, pipelined ({@code maxInFlightBatches} outstanding, one flush per round).
 *
 * <p>When Redis fails, the batches in flight go back to the front of the queue with their batch
 * numbers and are resent after a resync (script load, epoch), with exponential backoff between
 * attempts. Meanwhile the buffer keeps at most {@code outboundBufferTicks} ticks, dropping (and
 * counting) the oldest. Resending is safe: the script applies a writer's batch number once.
 */
final class StreamWriter implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamWriter.class);
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(1);

    private record Pending(int shard, String symbol, long publisherSeq, String line) {}

    private static final class Batch {
        final int shard;
        final long number;
        final ArrayDeque<Pending> ticks;
        RedisFuture<Long> result;

        Batch(int shard, long number, ArrayDeque<Pending> ticks) {
            this.shard = shard;
            this.number = number;
            this.ticks = ticks;
        }
    }

    private final BridgeSettings settings;
    private final RedisKeys keys;
    private final String writerId;
    private final SymbolTable symbols;
    private final Counters counters;
    private final StatefulRedisConnection<String, String> pipe;
    private final RedisAsyncCommands<String, String> async;
    private final RedisCommands<String, String> control;
    private final IngestRing outbound;
    private final ArrayDeque<Pending> buffer = new ArrayDeque<>();
    private final ArrayDeque<Batch> retry = new ArrayDeque<>();
    private final ArrayDeque<Batch> inFlight = new ArrayDeque<>();
    private final long[] nextBatch;
    private final StringBuilder scratch = new StringBuilder(128);
    private final IngestRing.TickHandler onTick = this::onTick;
    private final Backoff backoff;
    private volatile boolean running = true;
    private volatile boolean parked;
    private volatile Thread thread;
    private String sha;
    private String epoch;
    private boolean up;
    private boolean everUp;
    private long retryBufferedTicks;
    private long nextAttemptNs;

    StreamWriter(
            BridgeSettings settings,
            RedisKeys keys,
            String writerId,
            SymbolTable symbols,
            Counters counters,
            StatefulRedisConnection<String, String> pipe,
            StatefulRedisConnection<String, String> controlConnection,
            int outboundRingBytes) {
        this.settings = settings;
        this.keys = keys;
        this.writerId = writerId;
        this.symbols = symbols;
        this.counters = counters;
        this.pipe = pipe;
        this.pipe.setAutoFlushCommands(false);
        this.async = pipe.async();
        this.control = controlConnection.sync();
        this.outbound = new IngestRing(outboundRingBytes);
        this.nextBatch = new long[settings.shards()];
        java.util.Arrays.fill(nextBatch, 1);
        this.backoff = new Backoff(settings.reconnectMinMs(), settings.reconnectMaxMs());
    }

    /** Any thread: queue a published tick. Never waits; a full ring is {@link IngestRing#BACK_PRESSURED}. */
    int offer(int symbolId, Tick tick, long ingestTimeNs) {
        final int result = outbound.offer(symbolId, tick, ingestTimeNs);
        if (result == IngestRing.OK && parked) {
            final Thread t = thread;
            if (t != null) {
                LockSupport.unpark(t);
            }
        }
        return result;
    }

    void stop() {
        running = false;
        final Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running) {
            int work = outbound.drain(onTick, 4096);
            work += completeInFlight();
            if (!up && System.nanoTime() - nextAttemptNs >= 0) {
                resync();
            }
            if (up) {
                work += send();
            }
            if (work == 0) {
                parked = true;
                if (!outbound.hasPending()) {
                    LockSupport.parkNanos(inFlight.isEmpty() ? IDLE_PARK_NS : IDLE_PARK_NS / 20);
                }
                parked = false;
            }
        }
    }

    private void onTick(int symbolId, Tick tick) {
        final String symbol = symbols.name(symbolId);
        scratch.setLength(0);
        StreamEntries.writeLine(scratch, symbol, tick, tick.ingestTimeNs);
        buffer.addLast(
                new Pending(SymbolTable.shardOf(symbol, settings.shards()), symbol, tick.seq, scratch.toString()));
        final long over = buffer.size() + retryBufferedTicks - settings.outboundBufferTicks();
        if (over > 0) {
            dropOldest(over);
        }
    }

    private void dropOldest(long count) {
        long dropped = 0;
        while (dropped < count && !retry.isEmpty()) {
            final Batch b = retry.peekFirst();
            b.ticks.pollFirst();
            retryBufferedTicks--;
            dropped++;
            if (b.ticks.isEmpty()) {
                retry.pollFirst();
            }
        }
        while (dropped < count && buffer.pollFirst() != null) {
            dropped++;
        }
        counters.addShared(Counters.Counter.BRIDGE_DROPPED, dropped);
    }

    private int send() {
        int sent = 0;
        while (inFlight.size() < settings.maxInFlightBatches() && !retry.isEmpty()) {
            final Batch b = retry.pollFirst();
            retryBufferedTicks -= b.ticks.size();
            dispatch(b);
            sent++;
        }
        while (inFlight.size() < settings.maxInFlightBatches() && !buffer.isEmpty()) {
            cutBatches();
            sent++;
        }
        if (sent > 0) {
            pipe.flushCommands();
        }
        return sent;
    }

    /** Takes up to batchTicks ticks off the buffer, one batch per shard present, in order. */
    private void cutBatches() {
        final int shards = settings.shards();
        if (shards == 1) {
            final ArrayDeque<Pending> ticks = new ArrayDeque<>(Math.min(buffer.size(), settings.batchTicks()));
            while (ticks.size() < settings.batchTicks() && !buffer.isEmpty()) {
                ticks.addLast(buffer.pollFirst());
            }
            dispatch(new Batch(0, nextBatch[0]++, ticks));
            return;
        }
        final List<ArrayDeque<Pending>> byShard = new ArrayList<>(shards);
        for (int i = 0; i < shards; i++) {
            byShard.add(null);
        }
        for (int n = 0; n < settings.batchTicks() && !buffer.isEmpty(); n++) {
            final Pending p = buffer.pollFirst();
            ArrayDeque<Pending> q = byShard.get(p.shard());
            if (q == null) {
                q = new ArrayDeque<>();
                byShard.set(p.shard(), q);
            }
            q.addLast(p);
        }
        for (int s = 0; s < shards; s++) {
            if (byShard.get(s) != null) {
                dispatch(new Batch(s, nextBatch[s]++, byShard.get(s)));
            }
        }
    }

    /**
     * One EVALSHA for the batch: its ticks grouped by symbol (first appearance order, each symbol's
     * ticks in publish order), so Redis numbers each symbol's run with one HINCRBY.
     */
    private void dispatch(Batch b) {
        final Map<String, List<Pending>> bySymbol = new LinkedHashMap<>();
        for (Pending p : b.ticks) {
            bySymbol.computeIfAbsent(p.symbol(), k -> new ArrayList<>()).add(p);
        }
        final StringBuilder payload = new StringBuilder(b.ticks.size() * 96);
        final List<String> runs = new ArrayList<>();
        String prevSymbol = null;
        long prevSeq = 0;
        int runCount = 0;
        for (List<Pending> group : bySymbol.values()) {
            for (Pending p : group) {
                if (StreamEntries.startsRun(prevSymbol, prevSeq, p.symbol(), p.publisherSeq())) {
                    if (runCount > 0) {
                        runs.add(Integer.toString(runCount));
                    }
                    runs.add(p.symbol());
                    runs.add(Long.toString(p.publisherSeq()));
                    runCount = 0;
                }
                runCount++;
                payload.append(p.line());
                prevSymbol = p.symbol();
                prevSeq = p.publisherSeq();
            }
        }
        runs.add(Integer.toString(runCount));
        final String[] argv = new String[AppendScript.FIXED_ARGS + runs.size()];
        argv[0] = epoch;
        argv[1] = writerId;
        argv[2] = Long.toString(b.number);
        argv[3] = Long.toString(settings.maxLen());
        argv[4] = payload.toString();
        for (int i = 0; i < runs.size(); i++) {
            argv[AppendScript.FIXED_ARGS + i] = runs.get(i);
        }
        final String[] k = {keys.stream(b.shard), keys.seq(b.shard), keys.writers(b.shard), keys.epoch()};
        b.result = async.evalsha(sha, ScriptOutputType.INTEGER, k, argv);
        inFlight.addLast(b);
    }

    private int completeInFlight() {
        int done = 0;
        while (!inFlight.isEmpty() && inFlight.peekFirst().result.isDone()) {
            final Batch b = inFlight.pollFirst();
            done++;
            final long written;
            try {
                written = b.result.get();
            } catch (ExecutionException | RuntimeException e) {
                failed(b, e);
                return done;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return done;
            }
            if (written == AppendScript.EPOCH_MISMATCH) {
                // Redis lost the epoch (restarted empty) or moved on: re-read it now, then resend.
                requeue(b);
                up = false;
                nextAttemptNs = System.nanoTime();
            } else if (written == AppendScript.DUPLICATE_BATCH) {
                counters.addShared(Counters.Counter.BRIDGE_DUPLICATE_BATCHES, 1);
            } else {
                counters.addShared(Counters.Counter.BRIDGE_APPENDED, written);
            }
        }
        return done;
    }

    private void failed(Batch first, Exception e) {
        if (up) {
            LOG.warn("redis append failed, buffering and reconnecting: {}", e.toString());
        }
        requeue(first);
        up = false;
        nextAttemptNs = System.nanoTime() + backoff.nextDelayNs();
    }

    /** Puts {@code first} and everything in flight behind it back in front of the retry queue, in order. */
    private void requeue(Batch first) {
        final ArrayDeque<Batch> back = new ArrayDeque<>();
        back.addLast(first);
        while (!inFlight.isEmpty()) {
            back.addLast(inFlight.pollFirst());
        }
        while (!back.isEmpty()) {
            final Batch b = back.pollLast();
            retryBufferedTicks += b.ticks.size();
            retry.addFirst(b);
        }
    }

    private void resync() {
        if (!inFlight.isEmpty()) {
            return; // wait until every outstanding batch has an answer (or timed out)
        }
        if (!pipe.isOpen()) {
            // Lettuce is still reconnecting the pipelined connection: appending now would only be rejected.
            nextAttemptNs = System.nanoTime() + backoff.nextDelayNs();
            return;
        }
        try {
            sha = control.scriptLoad(AppendScript.LUA);
            epoch = Epochs.establish(control, keys.epoch());
            up = true;
            backoff.reset();
            if (everUp) {
                counters.addShared(Counters.Counter.BRIDGE_RECONNECTS, 1);
                LOG.info("redis append resumed, {} ticks to resend", buffer.size() + retryBufferedTicks);
            }
            everUp = true;
        } catch (RuntimeException e) {
            nextAttemptNs = System.nanoTime() + backoff.nextDelayNs();
        }
    }

    /** Whether the last resync succeeded and no append failed since. */
    boolean isUp() {
        return up;
    }

    /** Ticks waiting to be appended (buffer plus batches to resend); writer thread view, approximate elsewhere. */
    long backlog() {
        return buffer.size() + retryBufferedTicks;
    }
}
