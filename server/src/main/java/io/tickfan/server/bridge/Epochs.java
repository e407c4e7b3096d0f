package io.tickfan.server.bridge;

import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A shard's epoch, shared by every pod. The first pod to find none sets a random one with {@code
 * SET NX}; everyone else reads it. A Redis (or a cluster master) restarted empty has none, so the
 * next pod to reach it sets a new one, and every pod then sees that shard's numbering restart.
 */
final class Epochs {
    private Epochs() {}

    static String establish(RedisClusterCommands<String, String> redis, String key) {
        final String current = redis.get(key);
        if (current != null) {
            return current;
        }
        redis.set(key, newEpoch(), SetArgs.Builder.nx());
        return redis.get(key);
    }

    static String newEpoch() {
        return Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
    }
}
