package io.tickfan.client;

import io.tickfan.protocol.Tick;

/** Events of {@link SseSubscription}s, called on their event loop; keep them short. */
public interface SseListener {
    /**
     * Whether {@link #onTick} needs the tick's prices and sizes; as {@link
     * ClientListener#wantsPrices()}: false gets ticks with only symbol, seq, ts and flags set, read by
     * the same scanner. Asked once, when the subscription is created.
     */
    default boolean wantsPrices() {
        return true;
    }

    /** The response headers arrived: 200 means the stream is open, anything else is a refusal. */
    default void onResponse(SseSubscription subscription, int status) {}

    /** A tick event, classified by the subscription's per-symbol cursor (a {@link TickStatus}). */
    default void onTick(SseSubscription subscription, Tick tick, long receivedNs, int status, long missing) {}

    /** The stream (or its connection) ended or could not be opened. */
    default void onClosed(SseSubscription subscription, Throwable cause) {}
}
