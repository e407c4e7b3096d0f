package io.tickfan.server.bridge;

import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisCommands;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The epoch shared by every pod of one Redis. The first pod to find none sets a random one with
 * {@code SET NX}; everyone else reads it. A Redis restarted empty has none, so the next pod to
 * reach it sets a new one, and every pod then sees its numbering restart under a new epoch.
 */
final class Epochs {
    private Epochs() {}

    static String establish(RedisCommands<String, String> redis, String key) {
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
