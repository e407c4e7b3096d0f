package io.tickfan.server.bridge;

/**
 * The bridge's keys. Every key of a shard (stream, seq counters, writer marks, epoch) shares a
 * hash tag ({@code {3}}), so the append script touches one slot, and in a Redis Cluster one
 * master, per shard.
 *
 * <pre>
 * tickfan:{3}:epoch          string  the epoch the shard is numbered under (SET NX by the first pod)
 * tickfan:{3}:stream         stream  entries e=epoch s=symbol q=seq d=fields, MAXLEN ~ redis.maxLen
 * tickfan:{3}:seq            hash    symbol -> last seq given out
 * tickfan:{3}:writers        hash    writer id -> last append batch applied (idempotent replays)
 * tickfan:{3}:heartbeat      stream  p=pod t=ms, MAXLEN ~ 64: readiness round trips (BridgeHeartbeat)
 * </pre>
 */
final class RedisKeys {
    private final String prefix;

    RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    String epoch(int shard) {
        return prefix + ":{" + shard + "}:epoch";
    }

    String stream(int shard) {
        return prefix + ":{" + shard + "}:stream";
    }

    String seq(int shard) {
        return prefix + ":{" + shard + "}:seq";
    }

    String writers(int shard) {
        return prefix + ":{" + shard + "}:writers";
    }

    String heartbeat(int shard) {
        return prefix + ":{" + shard + "}:heartbeat";
    }
}
