package io.tickfan.server.bridge;

import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.XAddArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.tickfan.server.fanout.WakeableIdleStrategy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readiness that notices a wedged bridge. Two signals per shard, both judged against {@code
 * ready.maxLagMs}:
 *
 * <ul>
 *   <li>a heartbeat: every {@code ready.heartbeatIntervalMs} this thread appends an entry to the
 *       shard's heartbeat stream ({@code tickfan:{3}:heartbeat}, same hash tag, so the same master
 *       as the shard's stream) and reads the newest entry back; a frozen, unreachable or
 *       failed-over-away Redis stops the round trips;
 *   <li>reader progress: the shard's {@link StreamReader} stamps each completed {@code XREAD}
 *       (an idle stream still returns every {@code redis.readBlockMs}); a reader stuck on a
 *       connection that no longer answers stops stamping.
 * </ul>
 *
 * <p>An agent, {@code tickfan-redis-heartbeat}. Costs one stamp per XREAD on the reader thread
 * (not per tick, not per delivery) and two commands per shard per interval on a connection of its
 * own.
 */
public final class BridgeHeartbeat implements BridgeAgents.BridgeAgent {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeHeartbeat.class);
    private static final String POD = "p";
    private static final String SENT_MS = "t";

    private final int shards;
    private final RedisKeys keys;
    private final String podId;
    private final long intervalNs;
    private final long maxLagNs;
    private final long readerMaxQuietNs;
    private final AtomicLongArray heartbeatOkNs;
    private final AtomicLongArray readerProgressNs;
    private final AtomicLongArray readLagMs;
    private final XAddArgs trim = XAddArgs.Builder.maxlen(64).approximateTrimming();
    private volatile RedisClusterCommands<String, String> redis;
    private volatile boolean running = true;
    private final WakeableIdleStrategy idle = WakeableIdleStrategy.parking(this::maxParkNs);
    private String lastReason;
    /** When the next round of beats is due (the agent's thread). */
    private long nextBeatNs;

    BridgeHeartbeat(int shards, RedisKeys keys, String podId, long intervalMs, long maxLagMs, long readBlockMs) {
        this.shards = shards;
        this.keys = keys;
        this.podId = podId;
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(Math.max(1, intervalMs));
        this.maxLagNs = TimeUnit.MILLISECONDS.toNanos(maxLagMs);
        this.readerMaxQuietNs = TimeUnit.MILLISECONDS.toNanos(maxLagMs + readBlockMs);
        this.heartbeatOkNs = new AtomicLongArray(shards);
        this.readerProgressNs = new AtomicLongArray(shards);
        this.readLagMs = new AtomicLongArray(shards);
        final long now = System.nanoTime();
        this.nextBeatNs = now;
        for (int s = 0; s < shards; s++) {
            heartbeatOkNs.set(s, now);
            readerProgressNs.set(s, now);
        }
    }

    void useConnection(RedisLink link) {
        this.redis = link.sync();
    }

    /**
     * Called by shard {@code shard}'s reader after each XREAD returned; {@code newestIdMs} is the
     * time part of the newest entry id read, or -1 for an empty read.
     */
    void readReturned(int shard, long newestIdMs) {
        readerProgressNs.lazySet(shard, System.nanoTime());
        if (newestIdMs >= 0) {
            readLagMs.lazySet(shard, Math.max(0, System.currentTimeMillis() - newestIdMs));
        }
    }

    /** The time part of the newest entry id read ({@code 1700000000000-3}: 1700000000000), or -1. */
    static long idMillis(List<StreamMessage<String, String>> entries) {
        if (entries == null || entries.isEmpty()) {
            return -1;
        }
        final String id = entries.get(entries.size() - 1).getId();
        final int dash = id.indexOf('-');
        try {
            return Long.parseLong(dash < 0 ? id : id.substring(0, dash));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    @Override
    public String roleName() {
        return "tickfan-redis-heartbeat";
    }

    /** Beats every shard once the interval is over; between beats the idle strategy parks. */
    @Override
    public int doWork() {
        if (!running) {
            throw BridgeAgents.stopped();
        }
        final long startNs = System.nanoTime();
        if (startNs - nextBeatNs < 0) {
            return 0;
        }
        nextBeatNs = startNs + intervalNs;
        for (int s = 0; s < shards && running; s++) {
            beat(s);
        }
        // One line per change of state (which shard, which signal), not one per interval.
        final String reason = notReadyReason();
        final String kind = reason == null ? null : reason.substring(0, reason.lastIndexOf(" for "));
        if (kind != null && !kind.equals(lastReason)) {
            LOG.warn("not ready: {}", reason);
        } else if (kind == null && lastReason != null) {
            LOG.info("ready again: the bridge reads and heartbeats flow");
        }
        lastReason = kind;
        return shards;
    }

    private long maxParkNs() {
        return running ? nextBeatNs - System.nanoTime() : 0;
    }

    private void beat(int shard) {
        final RedisClusterCommands<String, String> r = redis;
        if (r == null) {
            return;
        }
        final String key = keys.heartbeat(shard);
        try {
            final String id = r.xadd(key, trim, Map.of(POD, podId, SENT_MS, Long.toString(System.currentTimeMillis())));
            final List<StreamMessage<String, String>> newest = r.xrevrange(key, Range.create("-", "+"), Limit.from(1));
            if (id != null && !newest.isEmpty()) {
                heartbeatOkNs.set(shard, System.nanoTime());
            }
        } catch (RedisException e) {
            // Counted as time without a heartbeat; the readiness line says which shard and since when.
        }
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

    /** Why this pod should not take clients, or null when every shard's heartbeat and reader are fresh. */
    public String notReadyReason() {
        final long now = System.nanoTime();
        for (int s = 0; s < shards; s++) {
            final long heartbeatAgeNs = now - heartbeatOkNs.get(s);
            if (heartbeatAgeNs > maxLagNs) {
                return "redis shard " + s + ": no heartbeat round trip for "
                        + TimeUnit.NANOSECONDS.toMillis(heartbeatAgeNs) + " ms";
            }
            final long readerQuietNs = now - readerProgressNs.get(s);
            if (readerQuietNs > readerMaxQuietNs) {
                return "redis shard " + s + ": stream reader has not completed a read for "
                        + TimeUnit.NANOSECONDS.toMillis(readerQuietNs) + " ms";
            }
        }
        return null;
    }

    public int shards() {
        return shards;
    }

    /** Seconds since shard {@code s}'s last heartbeat round trip. */
    public double heartbeatAgeSeconds(int s) {
        return (System.nanoTime() - heartbeatOkNs.get(s)) / 1e9;
    }

    /** Seconds since shard {@code s}'s reader last completed an XREAD. */
    public double readerQuietSeconds(int s) {
        return (System.nanoTime() - readerProgressNs.get(s)) / 1e9;
    }

    /** Age, in seconds, of the newest entry shard {@code s}'s reader read when it read it (Redis's clock vs ours). */
    public double readLagSeconds(int s) {
        return readLagMs.get(s) / 1e3;
    }
}
