package io.tickfan.server.session;

import io.netty.util.concurrent.EventExecutor;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.fanout.Subscriber;
import java.util.concurrent.TimeUnit;

/**
 * What every transport's session shares from open to close, written once: its place in the {@link
 * SessionRegistry} (so a drain or an admin disconnect reaches it), its token's expiry (at {@code
 * exp} plus {@code auth.expiryGraceMs}, re-armed by a refresh), the transport's own timed checks
 * (both on its loop's one {@link LoopTimer}, not a timer per session), and the closing flag that
 * lets each way of ending happen once. The transport says only how it ends on its wire ({@link Ending}):
 * WebSocket with a close code, SSE with a {@code retry:} hint or an error event, a long poll with
 * its answer.
 *
 * <p>Touched only on the session's event loop: the registry hands drains and disconnects over to
 * {@link #executor()}.
 */
public final class SessionLifecycle implements Drainable {
    /** How a transport ends its session, one method per reason; each is called at most once. */
    public interface Ending {
        /** The token passed {@code exp} plus the grace period: say so and close. */
        void expired();

        /** A drain or an admin disconnect: tell the client to come back after {@code retryMs}, close. */
        void restart(long retryMs);

        /** The server shuts down now: close. */
        void goAway();

        /**
         * Every timer period while the session is open and not closing, with the loop's clock: the
         * transport's own timed checks (a WebSocket's keep-alive). Nothing by default.
         */
        default void onTimer(long nowNs) {}
    }

    private final SessionRegistry registry;
    private final long expiryGraceMs;
    private final Ending ending;
    private final TransportKind transport;
    private final Subscriber subscriber;
    private EventExecutor executor;
    private Principal principal;
    private LoopTimer timer;
    /** Its slot in {@link #timer}; -1 while not in it. */
    int timerIndex = -1;
    /** When the token's expiry plus grace passes, on the timer's clock; never without a token. */
    private long expiresAtNs = Long.MAX_VALUE;

    private boolean closing;
    private boolean wentAway;

    /**
     * @param transport how the session reaches its client (the metrics' label)
     * @param subscriber the engine's state of the session, read by the metrics and resumed when the
     *     transport drains ({@link #writable()}); null: it subscribes to nothing
     */
    public SessionLifecycle(
            SessionRegistry registry,
            long expiryGraceMs,
            Ending ending,
            TransportKind transport,
            Subscriber subscriber) {
        this.registry = registry;
        this.expiryGraceMs = expiryGraceMs;
        this.ending = ending;
        this.transport = transport;
        this.subscriber = subscriber;
    }

    @Override
    public TransportKind transport() {
        return transport;
    }

    @Override
    public int subscriptions() {
        return subscriber == null ? 0 : subscriber.subscriptionCount();
    }

    @Override
    public long ticksWritten() {
        return subscriber == null ? 0 : subscriber.ticksWritten();
    }

    @Override
    public long batchesWritten() {
        return subscriber == null ? 0 : subscriber.batchesWritten();
    }

    @Override
    public long tickBytesWritten() {
        return subscriber == null ? 0 : subscriber.tickBytesWritten();
    }

    @Override
    public long ticksConflatedAway() {
        return subscriber == null ? 0 : subscriber.ticksConflatedAway();
    }

    /**
     * The session is open on {@code executor}: registered, and its expiry armed unless {@code
     * principal} is null (a session that ends on its own soon, such as a long poll).
     */
    public void open(EventExecutor executor, Principal principal) {
        this.executor = executor;
        registry.add(this);
        timer = registry.timerOf(executor);
        timer.add(this);
        if (principal != null) {
            refreshed(principal);
        }
    }

    /** A new token for the same session: its expiry replaces the old one. */
    public void refreshed(Principal principal) {
        this.principal = principal;
        final long delayMs = principal.expiresAtMs() + expiryGraceMs - System.currentTimeMillis();
        final long delayNs = TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMs));
        expiresAtNs = delayNs >= Long.MAX_VALUE / 4 ? Long.MAX_VALUE : timer.nowNs() + delayNs;
    }

    /** The loop's timer, every period while open: the latest token's expiry, then the transport's checks. */
    void onTimer(long nowNs) {
        if (closing) {
            return;
        }
        if (nowNs - expiresAtNs >= 0 && expiresAtNs != Long.MAX_VALUE) {
            expiresAtNs = Long.MAX_VALUE; // once: the transport closes, or ignores it
            ending.expired();
        } else {
            ending.onTimer(nowNs);
        }
    }

    /** Whether the session is ending: it sends nothing new and starts no other ending. */
    public boolean isClosing() {
        return closing;
    }

    /** Marks the session closing; false when it already was (the caller then does nothing more). */
    public boolean startClosing() {
        if (closing) {
            return false;
        }
        closing = true;
        return true;
    }

    /**
     * The transport's channel became writable again (or its backlog drained): a lagging subscriber
     * sends what it held and goes live. Nothing while closing, or for a session that subscribes to
     * nothing.
     */
    public void writable() {
        if (!closing && subscriber != null) {
            subscriber.resumeDelivery();
        }
    }

    /** The connection (or stream) closed: out of the registry, expiry cancelled. Idempotent. */
    public void closed() {
        closing = true;
        registry.remove(this);
        if (timer != null) {
            timer.remove(this);
        }
    }

    @Override
    public EventExecutor executor() {
        return executor;
    }

    @Override
    public void restart(long retryMs) {
        if (!closing) {
            ending.restart(retryMs);
        }
    }

    /** Closes even a session already ending (its last bytes may be stuck behind a backlog), once. */
    @Override
    public void goAway() {
        if (!wentAway) {
            wentAway = true;
            ending.goAway();
        }
    }
}
