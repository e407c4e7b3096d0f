package io.tickfan.server.fanout;

/**
 * The sequencer's answer to a subscribe, queued to the subscriber's loop behind every tick it sent
 * that loop before: the ticks to send first (snapshots, or the missed ticks of a resume, ordered
 * by position) and the position from which the live stream follows. Because it travels in the
 * same queue as live ticks, the subscriber sees no gap and no duplicate between the two.
 */
final class SubscribeReply {
    final Subscriber subscriber;
    final int[] symbolIds;
    /** Each holds one reference owned by this reply. */
    final EncodedTick[] ticks;
    /**
     * The sequencer's position in each position space when it answered (one element standalone):
     * everything up to it is in {@link #ticks} or earlier. Owned by this reply.
     */
    final long[] positions;
    /** The sequencer's epoch when it answered: the one {@link #positions} belong to. */
    final byte[] epochAscii;
    /** The subscribe's acknowledgement, handed to the sink's {@link TickSink#onSubscribed} before the ticks; may be null. */
    final String ack;

    SubscribeReply(
            Subscriber subscriber,
            int[] symbolIds,
            EncodedTick[] ticks,
            byte[] epochAscii,
            long[] positions,
            String ack) {
        this.epochAscii = epochAscii;
        this.subscriber = subscriber;
        this.ack = ack;
        this.symbolIds = symbolIds;
        this.ticks = ticks;
        this.positions = positions;
    }

    void release() {
        for (EncodedTick t : ticks) {
            t.release();
        }
    }
}
