package io.tickfan.client;

import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.Tick;

/**
 * Events of a {@link TickfanClient}, called on the client's event loop: keep them short and never
 * block. One listener may serve thousands of clients (it gets the client as the first argument).
 * The {@link Tick} and {@link ServerMessage} are reused after the call returns: copy what you keep.
 */
public interface ClientListener {
    /**
     * Whether {@link #onTick} needs the tick's prices and sizes. A listener that answers false gets
     * ticks with only {@link Tick#symbol}, {@link Tick#seq}, {@link Tick#exchangeTimeNs} and {@link
     * Tick#flags} set, read by a scanner that skips the rest (several times cheaper than decoding;
     * what a load generator wants). Asked once, when the client is created.
     */
    default boolean wantsPrices() {
        return true;
    }

    /** The WebSocket handshake completed ({@code reconnect} is true after a drop). */
    default void onOpen(TickfanClient client, boolean reconnect) {}

    /**
     * A tick arrived.
     *
     * @param receivedNs when its frame was read, epoch nanoseconds ({@link io.tickfan.protocol.EpochNanos})
     * @param status a {@link TickStatus} code
     * @param missing for {@link TickStatus#GAP}: how many seq numbers were skipped
     */
    default void onTick(TickfanClient client, Tick tick, long receivedNs, int status, long missing) {}

    /**
     * An {@code ack}. For a subscribe, {@code epochChanged} is true when the server's history epoch
     * differs from the one this client resumed from (the server restarted: every cursor was reset).
     */
    default void onAck(TickfanClient client, ServerMessage ack, boolean epochChanged) {}

    /** An {@code error} reply. */
    default void onError(TickfanClient client, ServerMessage error) {}

    /** A {@code pong}. */
    default void onPong(TickfanClient client, ServerMessage pong, long receivedNs) {}

    /**
     * The server refused the upgrade (401, 403, 429, 503, ...). {@code retryAfterMs} is the {@code
     * Retry-After} header in milliseconds, or -1 when absent.
     */
    default void onRejected(TickfanClient client, int status, long retryAfterMs) {}

    /** A connect attempt failed before any HTTP response (refused, reset, timed out). */
    default void onConnectFailed(TickfanClient client, Throwable cause) {}

    /**
     * An open connection closed. {@code closeCode} is the WebSocket close code the server sent, or
     * -1 if the connection just ended. A slow consumer gets 4008 when the close frame fits behind
     * its backlog, else a reset (-1): the client handles both alike, reconnecting (with the
     * backoff) and resuming every symbol with {@code since}.
     */
    default void onClosed(TickfanClient client, int closeCode, String reason) {}

    /**
     * A reconnect is scheduled in {@code delayMs}; {@code retryAfterHonoured} when the delay came
     * from the server's {@code Retry-After} or close hint rather than the backoff alone.
     */
    default void onReconnectScheduled(TickfanClient client, long delayMs, boolean retryAfterHonoured) {}

    /**
     * An attempt on {@code from} failed and the client moves on to {@code to}, the next of its
     * endpoints ({@link ClientOptions#fallbackUris()}).
     */
    default void onFailover(TickfanClient client, java.net.URI from, java.net.URI to) {}
}
