package io.tickfan.server.bridge;

import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;

/**
 * One bridge connection, seen through the command interfaces a single Redis and a Redis Cluster
 * share, so the writer, readers and backfill are one code path for both. On a cluster every
 * command is routed by its first key's slot; every command the bridge sends names keys of one
 * shard only (one hash tag), so it lands on the master that owns the shard.
 *
 * @param scripts loads a script where a key's shard lives (a cluster caches scripts per node)
 */
record RedisLink(
        StatefulConnection<String, String> connection,
        RedisClusterCommands<String, String> sync,
        RedisClusterAsyncCommands<String, String> async,
        ScriptLoader scripts) {

    /** Loads {@code lua} into the script cache of the node that serves {@code key}; returns its SHA-1. */
    interface ScriptLoader {
        String load(String lua, String key);
    }

    String loadScript(String lua, String key) {
        return scripts.load(lua, key);
    }
}
