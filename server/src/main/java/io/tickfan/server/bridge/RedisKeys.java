package io.tickfan.server.bridge;

/**
 * The bridge's keys. A shard's stream, seq counters and writer marks share a hash tag
 * ({@code {3}}), so the append script touches one slot per shard (the way to Redis Cluster);
 * the epoch key is global.
 *
 * <pre>
 * tickfan:epoch              string  the epoch every pod of this Redis numbers under (SET NX)
 * tickfan:{3}:stream         stream  entries e=epoch s=symbol q=seq d=fields, MAXLEN ~ redis.maxLen
 * tickfan:{3}:seq            hash    symbol -> last seq given out
 * tickfan:{3}:writers        hash    writer id -> last append batch applied (idempotent replays)
 * </pre>
 */
final class RedisKeys {
    private final String prefix;

    RedisKeys(String prefix) {
        this.prefix = prefix;
    }

    String epoch() {
        return prefix + ":epoch";
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
}
