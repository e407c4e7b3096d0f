package io.tickfan.server.bridge;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.BackfillRequest;
import io.tickfan.server.fanout.BrokerPort;
import io.tickfan.server.fanout.SymbolTable;
import io.tickfan.server.fanout.WakeableIdleStrategy;
import io.tickfan.server.metrics.Counters;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.SpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves resumes the sequencer's history lacks from the stream (an agent, {@code
 * tickfan-redis-backfill}, on its own connection). The sequencer queues a {@link BackfillRequest}
 * (bounded by {@code redis.backfillMaxPending}; a full queue is a reset), this agent walks the
 * symbol's shard newest first with {@code XREVRANGE ... COUNT} until it has every tick after the
 * resume point and, before it, the latest value of each field the symbol has (ticks go out
 * merged), then hands the request back. Past {@code redis.backfillMaxEntries} entries or {@code redis.backfillMaxTicks}
 * ticks, an entry of another epoch, or Redis failing, the request fails and the client gets
 * {@code reset}: a resume is never answered with a partial replay.
 *
 * <p>Cost: it parses every entry it walks (all symbols of the shard), about as much as the reader
 * does for the same entries; a resume far back in a busy stream costs up to the entry bound.
 */
final class StreamBackfiller implements BridgeAgents.BridgeAgent {
    private static final Logger LOG = LoggerFactory.getLogger(StreamBackfiller.class);
    private static final int PAGE_ENTRIES = 64;
    private static final long IDLE_PARK_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final BridgeSettings settings;
    private final RedisKeys keys;
    private final BrokerPort engine;
    private final Counters counters;
    private final MalformedLog malformed;
    private final RedisClusterCommands<String, String> redis;
    private final ShardEpochs epochs;
    private final SpscArrayQueue<BackfillRequest> requests;
    private final StreamEntries.EntryTicks entry = new StreamEntries.EntryTicks();
    private volatile boolean running = true;
    private final WakeableIdleStrategy idle = WakeableIdleStrategy.parking(this::maxParkNs);
    private boolean failedBefore;

    StreamBackfiller(
            BridgeSettings settings,
            RedisKeys keys,
            BrokerPort engine,
            MalformedLog malformed,
            ShardEpochs epochs,
            RedisLink link) {
        this.epochs = epochs;
        this.settings = settings;
        this.keys = keys;
        this.engine = engine;
        this.counters = engine.counters();
        this.malformed = malformed;
        this.redis = link.sync();
        this.requests = new SpscArrayQueue<>(settings.backfillMaxPending());
    }

    /** The sequencer thread (the only producer): queue {@code r}; false when the queue is full. */
    boolean request(BackfillRequest r) {
        if (!requests.offer(r)) {
            return false;
        }
        idle.wake();
        return true;
    }

    @Override
    public void stop() {
        running = false;
        idle.wake();
    }

    @Override
    public WakeableIdleStrategy idle() {
        return idle;
    }

    @Override
    public String roleName() {
        return "tickfan-redis-backfill";
    }

    /** Serves one queued request, if any. */
    @Override
    public int doWork() {
        if (!running) {
            throw BridgeAgents.stopped();
        }
        final BackfillRequest r = requests.poll();
        if (r == null) {
            return 0;
        }
        try {
            serve(r);
        } catch (RedisException e) {
            if (!failedBefore) {
                LOG.warn("redis backfill failed (Redis unreachable?), resumes get reset: {}", e.toString());
                failedBefore = true;
            }
            r.fail();
        }
        engine.backfilled(r);
        return 1;
    }

    /** Answers what is still queued, so no subscribe stays pending. */
    @Override
    public void onClose() {
        BackfillRequest r;
        while ((r = requests.poll()) != null) {
            r.fail();
            engine.backfilled(r);
        }
    }

    /** A request wakes the agent; the timeout only bounds a missed wake-up (the queue is checked each turn). */
    private long maxParkNs() {
        return running && requests.isEmpty() ? IDLE_PARK_NS : 0;
    }

    private void serve(BackfillRequest r) {
        final String symbol = r.symbol();
        final int shard = SymbolTable.shardOf(symbol, settings.shards());
        final String stream = keys.stream(shard);
        // Entries carry their shard's epoch; the request names the engine epoch it was made under.
        final String epoch = epochs.shardEpochUnder(r.epoch(), shard);
        if (epoch == null) {
            r.fail(); // the shard's numbering restarted since the request
            return;
        }
        final boolean bySeq = r.afterSeq() >= 0;
        final List<Tick> newestFirst = new ArrayList<>();
        final List<Long> positions = new ArrayList<>();
        final Tick base = new Tick();
        boolean crossed = false;
        int scanned = 0;
        String upper = "+";
        while (true) {
            final List<StreamMessage<String, String>> page =
                    redis.xrevrange(stream, Range.create("-", upper), Limit.from(PAGE_ENTRIES));
            for (StreamMessage<String, String> m : page) {
                if (++scanned > settings.backfillMaxEntries()) {
                    r.fail();
                    return;
                }
                if (!epoch.equals(m.getBody().get(StreamEntries.EPOCH))) {
                    r.fail(); // the numbering restarted before the resume point was reached
                    return;
                }
                if (m.getBody().containsKey(StreamEntries.DIVERGED)) {
                    continue; // a marker, no ticks; the sequencer applies its refusal before asking
                }
                final StreamEntries.Malformed problem = entry.read(m.getBody());
                if (problem != null) {
                    malformed.skipped(problem, stream, m);
                    continue;
                }
                final String id = m.getId();
                for (int i = entry.count - 1; i >= 0; i--) {
                    final Tick t = entry.ticks[i];
                    if (!entry.kept[i] || !symbol.equals(t.symbol)) {
                        continue;
                    }
                    final long position = StreamEntries.position(id, i);
                    if (bySeq ? t.seq > r.afterSeq() : position > r.afterPosition()) {
                        if (newestFirst.size() == settings.backfillMaxTicks()) {
                            r.fail();
                            return;
                        }
                        final Tick copy = new Tick();
                        copy.copyFrom(t);
                        newestFirst.add(copy);
                        positions.add(position);
                    } else {
                        crossed = true;
                        addMissingFields(base, t);
                    }
                }
                if (!bySeq && StreamEntries.position(id, 0) <= r.afterPosition()) {
                    crossed = true; // every older entry is before the resume point too
                }
                if (crossed && (base.fieldMask & r.fieldMask()) == r.fieldMask()) {
                    complete(r, base, newestFirst, positions);
                    return;
                }
            }
            if (page.size() < PAGE_ENTRIES) {
                break;
            }
            upper = previousId(page.get(page.size() - 1).getId());
            if (upper == null) {
                break;
            }
        }
        // The start of the stream: exact only if nothing was ever trimmed from it (then nothing came before).
        if (neverTrimmed(stream)) {
            complete(r, base, newestFirst, positions);
        } else {
            r.fail();
        }
    }

    /** Fields {@code older} has that {@code base} lacks: the base is the latest value of each field. */
    private static void addMissingFields(Tick base, Tick older) {
        final int missing = older.fieldMask & ~base.fieldMask;
        if (missing == 0) {
            return;
        }
        final int mask = older.fieldMask;
        older.fieldMask = missing;
        final long exchange = base.exchangeTimeNs;
        final long ingest = base.ingestTimeNs;
        base.mergeFrom(older);
        older.fieldMask = mask;
        base.exchangeTimeNs = exchange;
        base.ingestTimeNs = ingest;
    }

    private void complete(BackfillRequest r, Tick base, List<Tick> newestFirst, List<Long> positions) {
        final int n = newestFirst.size();
        final Tick[] merged = new Tick[n];
        final long[] at = new long[n];
        final Tick running = new Tick();
        running.copyFrom(base);
        for (int i = 0; i < n; i++) {
            final Tick raw = newestFirst.get(n - 1 - i);
            running.mergeFrom(raw);
            running.seq = raw.seq;
            final Tick out = new Tick();
            out.copyFrom(running);
            merged[i] = out;
            at[i] = positions.get(n - 1 - i);
        }
        r.complete(merged, at, n);
    }

    private boolean neverTrimmed(String stream) {
        try {
            final List<Object> info = redis.xinfoStream(stream);
            for (int i = 0; i + 1 < info.size(); i += 2) {
                if ("max-deleted-entry-id".equals(String.valueOf(info.get(i)))) {
                    return "0-0".equals(String.valueOf(info.get(i + 1)));
                }
            }
            return false; // Redis before 7.0 does not say
        } catch (RedisCommandExecutionException e) {
            return false; // no such stream
        }
    }

    /** The id just before {@code <ms>-<n>}, for an inclusive upper bound; null before the first possible id. */
    static String previousId(String id) {
        final int dash = id.indexOf('-');
        final long ms = StreamEntries.parseLong(id, 0, dash);
        final String seqText = id.substring(dash + 1);
        if (!"0".equals(seqText)) {
            return ms + "-" + Long.toUnsignedString(Long.parseUnsignedLong(seqText) - 1);
        }
        return ms == 0 ? null : (ms - 1) + "-" + Long.toUnsignedString(-1L);
    }
}
