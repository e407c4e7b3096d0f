package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The parking mode the Redis bridge's agents use: no park while there is work, a wake ends a park. */
class WakeableIdleStrategyTest {
    @Test
    void shouldNotParkWhenTheAgentSaysItHasWork() {
        final WakeableIdleStrategy idle = WakeableIdleStrategy.parking(() -> 0);
        final long startNs = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            idle.idle(0);
        }
        assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void shouldEndAParkEarlyOnWake() throws Exception {
        final AtomicLong maxParkNs = new AtomicLong(TimeUnit.SECONDS.toNanos(30));
        final WakeableIdleStrategy idle = WakeableIdleStrategy.parking(maxParkNs::get);
        final AtomicLong idledNs = new AtomicLong(-1);
        final Thread agent = new Thread(() -> {
            final long startNs = System.nanoTime();
            idle.idle(0);
            idledNs.set(System.nanoTime() - startNs);
        });
        agent.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the agent never parked");
            Thread.onSpinWait();
        }
        maxParkNs.set(0); // the work the wake announces
        idle.wake();
        agent.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(
                idledNs.get() >= 0 && idledNs.get() < TimeUnit.SECONDS.toNanos(10), "idled " + idledNs.get() + " ns");
    }
}
