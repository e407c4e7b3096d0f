package io.tickfan.server.bridge;

import io.tickfan.protocol.SseEvents;
import io.tickfan.server.config.ServerConfig;

/** The Redis bridge's settings, resolved once from {@link ServerConfig}. */
public record BridgeSettings(
        String uri,
        boolean cluster,
        String keyPrefix,
        int shards,
        long maxLen,
        int batchTicks,
        int maxInFlightBatches,
        int outboundBufferTicks,
        int readBatch,
        long readBlockMs,
        long commandTimeoutMs,
        long reconnectMinMs,
        long reconnectMaxMs,
        long startupTimeoutMs,
        long degradedAfterMs,
        int backfillMaxEntries,
        int backfillMaxTicks,
        int backfillMaxPending,
        long resumeCatchUpMs,
        int resumeCatchUpMaxPending,
        int rejoinMatchTicks,
        long rejoinResendMs) {

    public BridgeSettings {
        if (shards < 1 || shards > SseEvents.MAX_POSITION_SHARDS) {
            // An SSE id holds one position per shard.
            throw new IllegalArgumentException(
                    "redis.shards must be 1.." + SseEvents.MAX_POSITION_SHARDS + ": " + shards);
        }
        if (batchTicks < 1 || maxInFlightBatches < 1 || readBatch < 1) {
            throw new IllegalArgumentException("redis batch sizes must be at least 1");
        }
        if (backfillMaxEntries < 1 || backfillMaxTicks < 1 || backfillMaxPending < 1) {
            throw new IllegalArgumentException("redis backfill bounds must be at least 1");
        }
        if (resumeCatchUpMs < 0 || resumeCatchUpMaxPending < 0 || rejoinMatchTicks < 0 || rejoinResendMs < 0) {
            throw new IllegalArgumentException("redis.resumeCatchUp* must not be negative");
        }
        if (batchTicks > StreamEntries.MAX_TICKS_PER_ENTRY) {
            throw new IllegalArgumentException(
                    "redis.batchTicks must be at most " + StreamEntries.MAX_TICKS_PER_ENTRY + ": " + batchTicks);
        }
    }

    /** Null when {@code redis.uri} is empty: a standalone pod. */
    public static BridgeSettings fromConfig(ServerConfig c) {
        final String uri = c.string(ServerConfig.REDIS_URI).trim();
        if (uri.isEmpty()) {
            return null;
        }
        return new BridgeSettings(
                uri,
                c.bool(ServerConfig.REDIS_CLUSTER),
                c.string(ServerConfig.REDIS_KEY_PREFIX),
                c.integer(ServerConfig.REDIS_SHARDS),
                c.longValue(ServerConfig.REDIS_MAX_LEN),
                c.integer(ServerConfig.REDIS_BATCH_TICKS),
                c.integer(ServerConfig.REDIS_MAX_IN_FLIGHT),
                c.integer(ServerConfig.REDIS_OUTBOUND_BUFFER_TICKS),
                c.integer(ServerConfig.REDIS_READ_BATCH),
                c.longValue(ServerConfig.REDIS_READ_BLOCK_MS),
                c.longValue(ServerConfig.REDIS_COMMAND_TIMEOUT_MS),
                c.longValue(ServerConfig.REDIS_RECONNECT_MIN_MS),
                c.longValue(ServerConfig.REDIS_RECONNECT_MAX_MS),
                c.longValue(ServerConfig.REDIS_STARTUP_TIMEOUT_MS),
                c.longValue(ServerConfig.REDIS_DEGRADED_AFTER_MS),
                c.integer(ServerConfig.REDIS_BACKFILL_MAX_ENTRIES),
                c.integer(ServerConfig.REDIS_BACKFILL_MAX_TICKS),
                c.integer(ServerConfig.REDIS_BACKFILL_MAX_PENDING),
                c.longValue(ServerConfig.REDIS_RESUME_CATCH_UP_MS),
                c.integer(ServerConfig.REDIS_RESUME_CATCH_UP_MAX_PENDING),
                c.integer(ServerConfig.REDIS_REJOIN_MATCH_TICKS),
                c.longValue(ServerConfig.REDIS_REJOIN_RESEND_MS));
    }
}
