package io.tickfan.server.session;

import io.netty.util.concurrent.EventExecutor;

/** A client session the server can send away with a reconnect delay (drain, disconnect-all). */
public interface Drainable {
    /** The event loop the session lives on; {@link #restart} is called there. */
    EventExecutor executor();

    /** Tells the client to come back after {@code retryMs} and closes the session. */
    void restart(long retryMs);

    /** Tells the client the server is going away now (WebSocket 1001) and closes the session. */
    void goAway();

    /** How the session reaches its client. */
    TransportKind transport();

    /** Its subscriptions now; any thread, for the metrics (may be a batch stale). */
    int subscriptions();

    /** Ticks handed to its transport so far; any thread, for the metrics (may be a batch stale). */
    long ticksWritten();

    /** Batches those ticks went out in (a write each); as {@link #ticksWritten}. */
    long batchesWritten();

    /** Bytes of those ticks (frames or events, nothing around them); as {@link #ticksWritten}. */
    long tickBytesWritten();

    /** Ticks it never got, replaced by newer ones while it lagged (conflation); as {@link #ticksWritten}. */
    long ticksConflatedAway();
}
