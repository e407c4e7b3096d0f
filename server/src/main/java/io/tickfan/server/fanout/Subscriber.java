package io.tickfan.server.fanout;

import org.agrona.collections.Int2IntHashMap;

/**
 * One connection (or SSE stream) that receives ticks. Lives on one event loop and is touched only
 * there. The {@link LoopDispatcher} of that loop calls {@link #deliver} for every tick of a symbol
 * it is subscribed to and {@link #flush} once at the end of each batch, so ticks bound for one
 * connection share one write system call.
 */
public abstract class Subscriber {
    static final int NOT_SUBSCRIBED = 0;
    static final int PENDING = 1;
    static final int ACTIVE = 2;

    /** Symbol id to {@link #PENDING} (snapshot not yet delivered) or {@link #ACTIVE}. */
    final Int2IntHashMap subscriptions = new Int2IntHashMap(NOT_SUBSCRIBED);

    /** Set while this subscriber sits in its dispatcher's list of channels to flush. */
    boolean dirty;

    /** Number of symbols this subscriber is subscribed to or subscribing to. */
    public final int subscriptionCount() {
        return subscriptions.size();
    }

    /** Whether {@code symbolId} is subscribed or pending. */
    public final boolean isSubscribed(int symbolId) {
        return subscriptions.get(symbolId) != NOT_SUBSCRIBED;
    }

    /**
     * Queues {@code tick} for writing without flushing. Called on the subscriber's event loop.
     * Implementations write a retained duplicate of the shared frame and do not release {@code tick}.
     */
    protected abstract void deliver(EncodedTick tick);

    /** Flushes what {@link #deliver} queued. */
    protected abstract void flush();
}
