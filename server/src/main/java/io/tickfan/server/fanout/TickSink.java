package io.tickfan.server.fanout;

/**
 * Where the engine's {@link Subscriber} puts a connection's ticks: what a transport (a WebSocket
 * session, an SSE stream, a long poll) implements so the engine can deliver to it without knowing
 * its wire. The engine decides what to write and when (per-symbol throttling, conflation, the
 * slow-consumer close); the sink only writes, says whether its peer keeps up, and runs timers.
 *
 * <p>Contract: called on the sink's event loop only. Per batch the engine calls {@link #writeTicks}
 * at most a few times (once, unless the batch carried a subscribe reply) and then {@link #flush}
 * exactly once, so every tick bound for one connection shares one write system call. A sink never
 * releases a tick it is handed: whoever handed it over keeps its reference until the batch is
 * flushed.
 */
public interface TickSink {
    /** Whether the transport takes more bytes now (below its write-buffer high-water mark). */
    boolean isWritable();

    /**
     * Whether bytes written are still waiting for the peer to take them (held by Netty because the
     * kernel would not). The engine conflates a sink whose backlog outlives {@code
     * outbound.lagConflateMs} even while it is writable. Default: never.
     */
    default boolean hasBacklog() {
        return false;
    }

    /**
     * When the oldest read receipt the peer has not answered was asked for ({@link
     * System#nanoTime()}), or 0: none outstanding. A receipt travels behind every byte written
     * before it, so its age is how long the peer has not read. Default: none asked for.
     */
    default long unansweredSinceNs() {
        return 0;
    }

    /**
     * Writes {@code ticks[0..count)} in order, each tick's shared encoding, without flushing or
     * releasing them: one gathering write where the transport can.
     *
     * @return bytes of the ticks handed to the transport (their frames or events only), for the
     *     metrics
     */
    long writeTicks(EncodedTick[] ticks, int count);

    /**
     * Writes {@code tick} re-encoded with the conflated flag (the subscriber's own copy: the client's
     * seq jumps on purpose), without flushing or releasing it.
     *
     * @return bytes of the conflated tick handed to the transport
     */
    int writeConflated(EncodedTick tick);

    /** Flushes what was written; called once per batch, after the batch's last write. */
    void flush();

    /** Runs {@code task} on this sink's event loop after {@code delayNs} (throttling, the lag check). */
    void schedule(Runnable task, long delayNs);

    /** The engine gave up on a subscriber lagging past its timeout: close (and count) it, once. */
    void closeSlowConsumer();

    /**
     * The sequencer applied a subscribe that carried {@code ack} (as passed to {@link
     * FanoutEngine#subscribe}): from here every tick of its symbols reaches this sink. What it
     * writes goes out before the reply's ticks. Default: nothing.
     */
    default void onSubscribed(String ack) {}

    /**
     * A subscribe reply's ticks were written (not yet flushed); what this writes follows them.
     *
     * @param epochAscii the epoch {@code positions} belong to (the sequencer's when it answered)
     * @param positions the engine's position in each position space (one standalone) up to which
     *     the subscriber is now complete; owned by the reply, read only
     */
    default void afterReply(byte[] epochAscii, long[] positions) {}
}
