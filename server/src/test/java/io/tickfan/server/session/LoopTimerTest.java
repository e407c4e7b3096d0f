package io.tickfan.server.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The per-loop timer of the sessions: every member is checked once per period, members that close
 * during a check leave without any other being skipped, and the periodic task runs only while the
 * loop has members. Driven by an embedded loop's frozen clock.
 */
class LoopTimerTest {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    private final SessionRegistry registry = new SessionRegistry(100);
    private final List<String> checked = new ArrayList<>();

    {
        channel.freezeTime();
    }

    @AfterEach
    void stop() {
        channel.finishAndReleaseAll();
    }

    /** A session named {@code name} that records each check, and closes itself at its check if asked. */
    private SessionLifecycle session(String name, boolean closeOnCheck) {
        final SessionLifecycle[] self = new SessionLifecycle[1];
        self[0] = new SessionLifecycle(
                registry,
                0,
                new SessionLifecycle.Ending() {
                    @Override
                    public void expired() {}

                    @Override
                    public void restart(long retryMs) {}

                    @Override
                    public void goAway() {}

                    @Override
                    public void onTimer(long nowNs) {
                        checked.add(name);
                        if (closeOnCheck) {
                            self[0].closed();
                        }
                    }
                },
                TransportKind.WEBSOCKET,
                null);
        self[0].open(channel.eventLoop(), null);
        return self[0];
    }

    private void advanceMs(long ms) {
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void shouldCheckEveryMemberOncePerPeriodEvenWhenSomeCloseDuringTheCheck() {
        session("a", false);
        session("b", true); // closes at its first check: "d", the last, moves into its slot
        session("c", true);
        session("d", false);
        advanceMs(99);
        assertEquals(List.of(), checked, "nothing before the first period");
        advanceMs(1);
        assertEquals(List.of("a", "b", "d", "c"), checked, "each once, none skipped");
        checked.clear();
        advanceMs(100);
        assertEquals(List.of("a", "d"), checked, "the closed ones left");
        assertEquals(2, registry.timerOf(channel.eventLoop()).size());
    }

    @Test
    void shouldRunOnlyWhileTheLoopHasSessions() {
        final LoopTimer timer = registry.timerOf(channel.eventLoop());
        assertFalse(timer.running(), "no task before a session opens");
        final SessionLifecycle a = session("a", false);
        assertTrue(timer.running());
        advanceMs(100);
        assertEquals(List.of("a"), checked);
        a.closed();
        assertFalse(timer.running(), "no task once the last session closed");
        advanceMs(1_000);
        assertEquals(List.of("a"), checked);
        session("b", false);
        advanceMs(100);
        assertEquals(List.of("a", "b"), checked, "a new session starts it again");
    }
}
