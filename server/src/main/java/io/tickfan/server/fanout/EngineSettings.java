package io.tickfan.server.fanout;

import io.tickfan.protocol.SseEvents;

/**
 * Sizes of the engine's bounded structures.
 *
 * @param positionShards position spaces of SSE and poll resume points: 1 standalone; with the
 *     Redis bridge, one per shard (each shard's stream numbers its own positions)
 * @param commandQueueCapacity commands queued to the sequencer past which a subscribe is refused
 *     ({@link FanoutEngine#OVERLOADED})
 * @param maxPendingSymbols interest-only symbols (subscribed to, never published) held at once;
 *     they never take room from {@code maxSymbols} (decision 0006)
 */
public record EngineSettings(
        int maxSymbols,
        int ingestRingBytes,
        int loopQueueCapacity,
        int loopDrainLimit,
        int historyTicksPerSymbol,
        long historyMaxAgeMs,
        int positionShards,
        int commandQueueCapacity,
        int maxPendingSymbols) {
    /** The default of {@code fanout.commandQueueCapacity}. */
    public static final int DEFAULT_COMMAND_QUEUE_CAPACITY = 65_536;

    public EngineSettings {
        if (positionShards < 1 || positionShards > SseEvents.MAX_POSITION_SHARDS) {
            throw new IllegalArgumentException(
                    "position spaces must be 1.." + SseEvents.MAX_POSITION_SHARDS + ": " + positionShards);
        }
        if (commandQueueCapacity < 1) {
            throw new IllegalArgumentException("command queue capacity must be positive: " + commandQueueCapacity);
        }
    }

    /** The default command queue capacity, and as many interest-only symbols as published ones. */
    public EngineSettings(
            int maxSymbols,
            int ingestRingBytes,
            int loopQueueCapacity,
            int loopDrainLimit,
            int historyTicksPerSymbol,
            long historyMaxAgeMs,
            int positionShards) {
        this(
                maxSymbols,
                ingestRingBytes,
                loopQueueCapacity,
                loopDrainLimit,
                historyTicksPerSymbol,
                historyMaxAgeMs,
                positionShards,
                DEFAULT_COMMAND_QUEUE_CAPACITY,
                maxSymbols);
    }

    /** One position space: a standalone pod, or a bridge with one shard. */
    public EngineSettings(
            int maxSymbols,
            int ingestRingBytes,
            int loopQueueCapacity,
            int loopDrainLimit,
            int historyTicksPerSymbol,
            long historyMaxAgeMs) {
        this(maxSymbols, ingestRingBytes, loopQueueCapacity, loopDrainLimit, historyTicksPerSymbol, historyMaxAgeMs, 1);
    }
}
