package io.tickfan.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.tickfan.server.auth.Principal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle every transport shares, on an embedded event loop whose clock the test moves, with a
 * transport that records how it ended.
 */
class SessionLifecycleTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final EventLoop loop = channel.eventLoop();
    private final SessionRegistry registry = new SessionRegistry(10);
    private final List<String> endings = new CopyOnWriteArrayList<>();
    private final SessionLifecycle.Ending transport = new SessionLifecycle.Ending() {
        @Override
        public void expired() {
            endings.add("expired");
        }

        @Override
        public void restart(long retryMs) {
            endings.add("restart " + retryMs);
        }

        @Override
        public void goAway() {
            endings.add("goAway");
        }
    };

    {
        channel.freezeTime();
    }

    @AfterEach
    void stop() {
        channel.finishAndReleaseAll();
    }

    private static Principal expiringInMs(long ms) {
        return new Principal("u", System.currentTimeMillis() + ms, null, false, false);
    }

    /** Runs {@code task} on the loop, then whatever it and others queued there. */
    private void onLoop(Runnable task) {
        task.run();
        channel.runPendingTasks();
    }

    /** Moves the loop's clock on by {@code ms} and runs the timers that came due. */
    private void advanceMs(long ms) {
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void shouldRegisterWhileOpenAndEndAtExpiryPlusGrace() throws Exception {
        final SessionLifecycle lifecycle =
                new SessionLifecycle(registry, 100, transport, TransportKind.WEBSOCKET, null);
        onLoop(() -> lifecycle.open(loop, expiringInMs(100)));
        assertEquals(1, registry.size());
        advanceMs(150);
        assertEquals(List.of(), endings, "not before exp plus the grace period");
        advanceMs(100);
        assertEquals(List.of("expired"), endings);
        onLoop(lifecycle::closed);
        assertEquals(0, registry.size());
    }

    @Test
    void shouldReplaceTheExpiryOnRefresh() throws Exception {
        final SessionLifecycle lifecycle = new SessionLifecycle(registry, 0, transport, TransportKind.WEBSOCKET, null);
        onLoop(() -> lifecycle.open(loop, expiringInMs(150)));
        onLoop(() -> lifecycle.refreshed(expiringInMs(60_000)));
        advanceMs(400);
        assertEquals(List.of(), endings, "the old token's expiry no longer ends the session");
    }

    @Test
    void shouldStartOneEndingOnlyButLetShutdownCloseAnEndingSession() throws Exception {
        final SessionLifecycle lifecycle = new SessionLifecycle(registry, 0, transport, TransportKind.WEBSOCKET, null);
        onLoop(() -> lifecycle.open(loop, expiringInMs(60_000)));
        onLoop(() -> {
            assertTrue(lifecycle.startClosing());
            assertFalse(lifecycle.startClosing());
        });
        registry.restartAll(1_000);
        onLoop(() -> {});
        assertEquals(List.of(), endings, "a drain does not restart a session already ending");
        registry.goAwayAll();
        registry.goAwayAll();
        onLoop(() -> {});
        assertEquals(List.of("goAway"), endings, "a shutdown closes it, once");
    }

    @Test
    void shouldNeitherExpireNorRestartAfterClose() throws Exception {
        final SessionLifecycle lifecycle = new SessionLifecycle(registry, 0, transport, TransportKind.WEBSOCKET, null);
        onLoop(() -> lifecycle.open(loop, expiringInMs(100)));
        onLoop(lifecycle::closed);
        lifecycle.restart(5);
        advanceMs(300);
        assertEquals(List.of(), endings);
        assertEquals(0, registry.size());
    }
}
