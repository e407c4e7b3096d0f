package io.tickfan.server.bridge;

import io.tickfan.server.fanout.BrokerPort;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.function.BooleanSupplier;

/**
 * This pod's view of every shard's epoch, and the engine epoch made of them (the one clients see
 * in SSE ids and WebSocket acks). Each shard has its own epoch key in its own slot, so in a Redis
 * Cluster a master restarted empty renews only its shards' epochs, and only their symbols restart
 * numbering. The engine epoch is a function of all shard epochs in shard order: every pod that
 * reads the same shard epochs computes the same one, without a key of its own (a global key would
 * live on one master, and the append script could not read it from another slot). With one shard
 * it is that shard's epoch.
 *
 * <p>A shard switches epoch under this object's monitor: rare (a Redis restarted empty, one lock
 * per shard per restart), and it queues the control records in the order their engine epochs were
 * computed, so two shards switching at once cannot leave the engine on a combination that is not
 * the latest. Any engine epoch change makes every older resume point a {@code reset}: conservative
 * for symbols of the other shards, never a wrong replay.
 */
final class ShardEpochs {
    private final String[] shardEpochs;
    private final BrokerPort engine;
    private String engineEpoch;

    ShardEpochs(String[] initial, BrokerPort engine) {
        this.shardEpochs = initial.clone();
        this.engine = engine;
        this.engineEpoch = combine(shardEpochs);
    }

    /** The engine epoch of {@code shardEpochs} (in shard order); the same on every pod. */
    static String combine(String[] shardEpochs) {
        if (shardEpochs.length == 1) {
            return shardEpochs[0];
        }
        try {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String e : shardEpochs) {
                sha.update(e.getBytes(StandardCharsets.US_ASCII));
                sha.update((byte) ',');
            }
            // 63 bits in base 36, like a shard epoch: short enough for every SSE id.
            return Long.toString(ByteBuffer.wrap(sha.digest()).getLong() >>> 1, 36);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required on every JVM", e);
        }
    }

    synchronized String engineEpoch() {
        return engineEpoch;
    }

    /**
     * The epoch a backfill must find on {@code shard}'s entries, or null when the engine has moved
     * on from {@code requestEngineEpoch} (a shard restarted since the request): then it is a reset.
     */
    synchronized String shardEpochUnder(String requestEngineEpoch, int shard) {
        return engineEpoch.equals(requestEngineEpoch) ? shardEpochs[shard] : null;
    }

    /**
     * {@code shard} now numbers under {@code newEpoch}: queues the shard's restart, under the new
     * engine epoch, behind every tick already ingested. Spins while the ingest ring is full.
     *
     * @return false when {@code running} turned false first
     */
    synchronized boolean switchShard(int shard, String newEpoch, BooleanSupplier running) {
        shardEpochs[shard] = newEpoch;
        engineEpoch = combine(shardEpochs);
        final String epoch = engineEpoch;
        return RingRetry.untilAccepted(
                () -> engine.restartNumbering(epoch, shard, shardEpochs.length), running, engine::wakeSequencer);
    }

    /** Start-up: every symbol numbers under the engine epoch. */
    synchronized void startNumbering() {
        final String epoch = engineEpoch;
        RingRetry.untilAccepted(() -> engine.restartNumbering(epoch, 0, 0), () -> true, engine::wakeSequencer);
    }
}
