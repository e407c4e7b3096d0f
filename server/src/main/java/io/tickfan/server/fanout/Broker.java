package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;

/**
 * Where published ticks go to be numbered, and where the engine turns for what one pod cannot know.
 * The engine ({@link FanoutEngine}) is the node: it sequences, encodes once and fans out. A broker
 * is what stands between publishers and the node: {@link MemoryBroker} for a pod on its own (a
 * publish goes straight into the ingest ring), the Redis bridge for pods that share one feed (a
 * publish is appended to a stream and comes back numbered, with a position every pod agrees on).
 *
 * <p>The engine is built with its broker ({@link FanoutEngine#FanoutEngine(io.netty.channel.EventLoopGroup,
 * EngineSettings, Broker)}), which hands it the engine's input side ({@link BrokerPort}); what
 * the sequencer does differently for a shared numbering is fixed then ({@link #numbering}), and
 * {@link FanoutEngine#start} starts the broker once the sequencer runs.
 */
public interface Broker extends AutoCloseable {
    /**
     * How this broker numbers ticks, read once when the engine is built.
     *
     * @param shared ticks carry the broker's seq and position; a tick without a position was
     *     numbered by this pod alone (degraded) and is confirmed or reset once the broker numbered it
     * @param localLedgerTicks most locally numbered ticks remembered (over all symbols) to be
     *     confirmed against the broker's numbering; past it they end in reset
     * @param rejoinMatchTicks digests of the newest shared ticks kept for a broker that restarts empty
     * @param catchUpWaitMs how long a resume whose point this pod has not reached yet waits for it (0:
     *     answered at once)
     * @param catchUpMaxPending most resumes waiting at once
     * @param backfills whether resumes history cannot serve are asked of the broker ({@link
     *     #requestBackfill}); otherwise they are answered with reset
     */
    record Numbering(
            boolean shared,
            int localLedgerTicks,
            int rejoinMatchTicks,
            long catchUpWaitMs,
            int catchUpMaxPending,
            boolean backfills) {
        /** One pod numbers alone: nothing to confirm, nobody ahead, nothing to backfill from. */
        public static final Numbering STANDALONE = new Numbering(false, 0, 0, 0, 0, false);

        public Numbering {
            if (localLedgerTicks < 0 || rejoinMatchTicks < 0 || catchUpWaitMs < 0 || catchUpMaxPending < 0) {
                throw new IllegalArgumentException("negative bound in " + this);
            }
        }
    }

    /** How the sequencer treats this broker's ticks; constant. */
    Numbering numbering();

    /**
     * Once, while the engine is built: its input side, where the broker's ticks go. Keep it; start
     * nothing yet. A broker serves one engine.
     */
    void attach(BrokerPort engine);

    /**
     * Once, from {@link FanoutEngine#start} after the sequencer runs: connect, catch up and begin.
     * Throws when the broker cannot start (the engine is then not started).
     */
    void start();

    /**
     * Any thread: a published tick ({@code tick} is reused by the caller).
     *
     * @return {@link IngestRing#OK}, {@link IngestRing#BACK_PRESSURED} (retry) or {@link
     *     FanoutEngine#FAILED}
     */
    int publish(int symbolId, Tick tick, long ingestTimeNs);

    /**
     * The sequencer thread, must not block: serve a resume that history cannot. Hand {@code request}
     * back, completed or failed, through {@link BrokerPort#backfilled} from any thread.
     *
     * @return false when it cannot take the request now (the resume gets {@code reset})
     */
    default boolean requestBackfill(BackfillRequest request) {
        return false;
    }

    /**
     * The sequencer thread, must not block: this pod's local numbering of {@code symbol}, seqs
     * {@code fromSeq..toSeq}, turned out to differ from the broker's. Clients may resume on any pod,
     * so every pod must refuse those resume points ({@link BrokerPort#refuseResume}).
     */
    default void diverged(String symbol, long fromSeq, long toSeq) {}

    /** Stops taking publishes and releases what the broker holds. */
    @Override
    void close();
}
