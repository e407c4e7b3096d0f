package io.tickfan.server.bridge;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.BrokerPort;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.SymbolTable;
import io.tickfan.server.fanout.WakeableIdleStrategy;
import io.tickfan.server.metrics.Counters;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent per shard ({@code tickfan-redis-reader-N}), on its own connection: blocking {@code
 * XREAD} from the last entry id it saw, each entry into the engine's ingest ring with the seq
 * Redis gave it and a position taken from the entry id. Starts from the beginning of the stream,
 * which backfills history and last values within the stream's retention.
 *
 * <p>After a failure it reconnects with backoff and checks, before reading on, that the shard's
 * epoch is still its own (else the shard's Redis lost everything: the shard's numbering restarts
 * under the new epoch, read from the start, and the engine epoch changes, see {@link ShardEpochs}) and that the stream was not trimmed past its last id (else the shard's
 * symbols are marked as having a gap). Both reach subscribers as a {@code reset} tick. Entries
 * that cannot be read are skipped and counted; each kind is logged once.
 */
final class StreamReader implements BridgeAgents.BridgeAgent {
    private static final Logger LOG = LoggerFactory.getLogger(StreamReader.class);
    private static final long TRIM_CHECK_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    static final String START = "0-0";

    private final int shard;
    private final BridgeSettings settings;
    private final RedisKeys keys;
    private final String stream;
    private final BrokerPort engine;
    private final Counters counters;
    private final MalformedLog malformed;
    private final RedisClusterCommands<String, String> redis;
    private final ShardEpochs epochs;
    private final Backoff backoff;
    private final WakeableIdleStrategy idle = WakeableIdleStrategy.parking(this::maxParkNs);
    /** Reads once caught up: block up to {@code redis.readBlockMs} for new entries. */
    private final XReadArgs args;
    /** Reads while catching up at start: return at once, with what there is. */
    private final XReadArgs catchUpArgs;

    private final StreamEntries.EntryTicks entry = new StreamEntries.EntryTicks();
    private final String writerId;
    private final long[] fromTo = new long[2];
    private final OwnBatches ownBatches;
    private volatile boolean running = true;
    /** Tests only: run once on this thread before its next read ({@link #injectForTest}). */
    private volatile Runnable injectedForTest;

    private volatile boolean caughtUp;
    private volatile BridgeHeartbeat heartbeat;
    private String epoch;
    private String lastId = START;
    private String lastSymbol;
    private int lastSymbolId;
    private boolean synced;
    private boolean failedBefore;
    private long lastTrimCheckNs;
    /** After a failure: when to reconnect (0: now). */
    private long retryAtNs;

    StreamReader(
            int shard,
            BridgeSettings settings,
            RedisKeys keys,
            ShardEpochs epochs,
            String epoch,
            BrokerPort engine,
            MalformedLog malformed,
            RedisLink link,
            String writerId,
            OwnBatches ownBatches) {
        this.shard = shard;
        this.writerId = writerId;
        this.ownBatches = ownBatches;
        this.settings = settings;
        this.keys = keys;
        this.stream = keys.stream(shard);
        this.epoch = epoch;
        this.engine = engine;
        this.counters = engine.counters();
        this.malformed = malformed;
        this.epochs = epochs;
        this.redis = link.sync();
        this.backoff = new Backoff(settings.reconnectMinMs(), settings.reconnectMaxMs());
        this.synced = true;
        this.args = XReadArgs.Builder.block(settings.readBlockMs()).count(settings.readBatch());
        this.catchUpArgs = XReadArgs.Builder.count(settings.readBatch());
    }

    /** Whether a read has returned less than a full batch: the backfill reached the stream's end. */
    boolean caughtUp() {
        return caughtUp;
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

    /** Tests only: runs {@code task} once on this reader's thread before its next read. */
    void injectForTest(Runnable task) {
        injectedForTest = task;
        idle.wake();
    }

    /** Stamps each completed XREAD there, for readiness. */
    void reportReadsTo(BridgeHeartbeat hb) {
        this.heartbeat = hb;
    }

    @Override
    public String roleName() {
        return "tickfan-redis-reader-" + shard;
    }

    /**
     * One {@code XREAD} (blocking up to {@code redis.readBlockMs}) and its entries into the ring.
     * After a Redis failure, turns do nothing until the backoff delay is over: the idle strategy
     * parks until then.
     */
    @Override
    public int doWork() {
        if (!running) {
            throw BridgeAgents.stopped();
        }
        final Runnable injected = injectedForTest;
        if (injected != null) {
            injectedForTest = null;
            injected.run();
        }
        if (retryAtNs != 0) {
            if (System.nanoTime() - retryAtNs < 0) {
                return 0;
            }
            retryAtNs = 0;
        }
        try {
            if (!synced) {
                resync();
                synced = true;
                backoff.reset();
                if (failedBefore) {
                    counters.addShared(Counters.Counter.BRIDGE_RECONNECTS, 1);
                    LOG.info("redis reader {} resumed after {}", shard, lastId);
                }
            }
            // Until caught up a read does not block: an empty stream (no publisher yet, as when a
            // whole fleet restarts) must not hold the pod's start for redis.readBlockMs.
            final List<StreamMessage<String, String>> entries = read(caughtUp ? args : catchUpArgs);
            final BridgeHeartbeat hb = heartbeat;
            if (hb != null) {
                hb.readReturned(shard, BridgeHeartbeat.idMillis(entries));
            }
            if (entries != null) {
                for (StreamMessage<String, String> m : entries) {
                    if (!running) {
                        return 0;
                    }
                    onEntry(m);
                }
            }
            final int n = entries == null ? 0 : entries.size();
            if (n < settings.readBatch()) {
                caughtUp = true;
            } else if (System.nanoTime() - lastTrimCheckNs > TRIM_CHECK_INTERVAL_NS) {
                // Behind by a full batch: make sure trimming has not overtaken this reader.
                checkTrimmed();
            }
            return n;
        } catch (RedisException e) {
            if (!running) {
                return 0;
            }
            if (synced) {
                LOG.warn("redis reader {} failed, reconnecting: {}", shard, e.toString());
            }
            synced = false;
            failedBefore = true;
            retryAtNs = System.nanoTime() + backoff.nextDelayNs();
            return 0;
        }
    }

    /** The idle strategy's question: an empty read already waited in Redis, so only a backoff parks. */
    private long maxParkNs() {
        return running && retryAtNs != 0 && injectedForTest == null ? retryAtNs - System.nanoTime() : 0;
    }

    @SuppressWarnings("unchecked") // one offset: the varargs array is safe
    private List<StreamMessage<String, String>> read(XReadArgs args) {
        return redis.xread(args, XReadArgs.StreamOffset.from(stream, lastId));
    }

    private void resync() {
        final String current = Epochs.establish(redis, keys.epoch(shard));
        if (!current.equals(epoch)) {
            restart(current);
            return;
        }
        if (!START.equals(lastId)) {
            checkTrimmed();
        }
    }

    /** The shard's numbering restarted under {@code newEpoch}: reset its symbols and read from the start. */
    private void restart(String newEpoch) {
        LOG.warn(
                "redis shard {}: epoch {} replaced by {} (Redis restarted empty?): subscribers get reset",
                shard,
                epoch,
                newEpoch);
        epoch = newEpoch;
        lastId = START;
        counters.addShared(Counters.Counter.BRIDGE_RESETS, 1);
        epochs.switchShard(shard, newEpoch, () -> running);
    }

    private void checkTrimmed() {
        lastTrimCheckNs = System.nanoTime();
        final String maxDeleted;
        try {
            maxDeleted = maxDeletedEntryId(redis.xinfoStream(stream));
        } catch (RedisCommandExecutionException e) {
            return; // no such stream yet
        }
        if (maxDeleted != null && StreamEntries.compareIds(maxDeleted, lastId) > 0) {
            LOG.warn(
                    "redis shard {}: stream trimmed past {} (up to {}): subscribers get reset",
                    shard,
                    lastId,
                    maxDeleted);
            lastId = maxDeleted;
            counters.addShared(Counters.Counter.BRIDGE_RESETS, 1);
            if (!RingRetry.untilAccepted(
                    () -> engine.restartNumbering(null, shard, settings.shards()),
                    () -> running,
                    engine::wakeSequencer)) {
                return;
            }
        }
    }

    private static String maxDeletedEntryId(List<Object> info) {
        for (int i = 0; i + 1 < info.size(); i += 2) {
            if ("max-deleted-entry-id".equals(String.valueOf(info.get(i)))) {
                return String.valueOf(info.get(i + 1));
            }
        }
        return null; // Redis before 7.0 does not say
    }

    private void onEntry(StreamMessage<String, String> m) {
        lastId = m.getId();
        final String diverged = m.getBody().get(StreamEntries.DIVERGED);
        if (diverged != null && epoch.equals(m.getBody().get(StreamEntries.EPOCH))) {
            onDiverged(diverged, m);
            return;
        }
        StreamEntries.Malformed problem =
                StreamEntries.position(m.getId(), 0) < 0 ? StreamEntries.Malformed.BAD_ID : null;
        if (problem == null) {
            problem = entry.read(m.getBody());
        }
        if (problem == null && !epoch.equals(m.getBody().get(StreamEntries.EPOCH))) {
            problem = onOtherEpoch(m.getBody().get(StreamEntries.EPOCH));
        }
        if (problem != null) {
            malformed.skipped(problem, stream, m);
            return;
        }
        final boolean own = noteOwnBatch(m.getBody());
        try {
            ingest(m);
        } finally {
            if (own) {
                ownBatches.endIngest(shard);
            }
        }
    }

    /** Offers the entry's kept ticks to the ingest ring, each with its position. */
    private void ingest(StreamMessage<String, String> m) {
        int read = 0;
        for (int i = 0; i < entry.count; i++) {
            if (!entry.kept[i]) {
                continue; // a publisher retry Redis already had
            }
            final Tick tick = entry.ticks[i];
            // Ticks of one symbol are grouped in an entry (and share one String): look the id up once per run.
            if (tick.symbol != lastSymbol) {
                lastSymbol = tick.symbol;
                lastSymbolId = engine.symbols().register(tick.symbol);
            }
            final int symbolId = lastSymbolId;
            if (symbolId == SymbolTable.FULL) {
                counters.addShared(Counters.Counter.INGEST_BACK_PRESSURED, 1);
                continue;
            }
            final long position = StreamEntries.position(m.getId(), i);
            if (engine.ingest(symbolId, tick, tick.ingestTimeNs, position) != IngestRing.OK
                    // The ring is full: wait for the sequencer rather than lose a numbered tick.
                    && !RingRetry.untilAccepted(
                            () -> engine.ingest(symbolId, tick, tick.ingestTimeNs, position),
                            () -> running,
                            engine::wakeSequencer)) {
                return;
            }
            read++;
        }
        if (read > 0) {
            engine.wakeSequencer();
        }
        counters.addShared(Counters.Counter.BRIDGE_READ, read);
    }

    private void onDiverged(String d, StreamMessage<String, String> m) {
        final String symbol = StreamEntries.parseDiverged(d, fromTo);
        final int symbolId =
                symbol == null ? SymbolTable.FULL : engine.symbols().register(symbol);
        if (symbolId == SymbolTable.FULL) {
            malformed.skipped(StreamEntries.Malformed.BAD_NUMBER, stream, m);
            return;
        }
        engine.refuseResume(symbolId, fromTo[0], fromTo[1]);
        counters.addShared(Counters.Counter.BRIDGE_DIVERGED_RANGES, 1);
    }

    /**
     * This pod's writer appended the entry: tell it, before the ticks enter the ring, that Redis
     * applied the batch and this pod is delivering it (the writer must not deliver it locally again
     * when it turns degraded), and hold {@link OwnBatches}' gate until they are all in: then the
     * writer either finds it taken, or delivered it whole before, and the sequencer confirms the
     * local copies when the stream's arrive.
     *
     * @return true when the gate is held ({@link OwnBatches#endIngest} after the ticks)
     */
    private boolean noteOwnBatch(java.util.Map<String, String> body) {
        if (!writerId.equals(body.get(StreamEntries.WRITER))) {
            return false;
        }
        final String b = body.get(StreamEntries.BATCH);
        ownBatches.beginIngest(shard, b == null ? -1 : StreamEntries.parseLong(b, 0, b.length()));
        return true;
    }

    /**
     * An entry of another epoch without a reconnect (e.g. FLUSHALL): if Redis's epoch is the
     * entry's, the numbering restarted from this entry on; else the entry is stale and skipped.
     */
    private StreamEntries.Malformed onOtherEpoch(String entryEpoch) {
        final String current = Epochs.establish(redis, keys.epoch(shard));
        if (!current.equals(entryEpoch)) {
            return StreamEntries.Malformed.STALE_EPOCH;
        }
        final String id = lastId;
        restart(current);
        lastId = id;
        return null;
    }
}
