package io.tickfan.server.fanout;

/**
 * The sequencer's answer to a subscribe, queued to the subscriber's loop behind every tick it sent
 * that loop before: the ticks to send first (a snapshot, or the missed ticks for a resume) and the
 * point from which the live stream follows. Because it travels in the same queue as live ticks,
 * the subscriber sees no gap and no duplicate between the two.
 */
final class SubscribeReply {
    final Subscriber subscriber;
    final int symbolId;
    /** Each holds one reference owned by this reply; empty when there is nothing to send yet. */
    final EncodedTick[] ticks;

    SubscribeReply(Subscriber subscriber, int symbolId, EncodedTick[] ticks) {
        this.subscriber = subscriber;
        this.symbolId = symbolId;
        this.ticks = ticks;
    }
}
