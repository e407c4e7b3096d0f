package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ParkingIdleStrategyTest {
    @Test
    void shouldNotParkWhenTheAgentSaysItHasWork() {
        final ParkingIdleStrategy idle = new ParkingIdleStrategy(() -> 0);
        final long startNs = System.nanoTime();
        for (int i = 0; i < 1000; i++) {
            idle.idle(0);
        }
        assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(1));
    }

    @Test
    void shouldEndAParkEarlyOnWake() throws Exception {
        final AtomicLong maxParkNs = new AtomicLong(TimeUnit.SECONDS.toNanos(30));
        final ParkingIdleStrategy idle = new ParkingIdleStrategy(maxParkNs::get);
        final AtomicLong idledNs = new AtomicLong(-1);
        final Thread agent = new Thread(() -> {
            final long startNs = System.nanoTime();
            idle.idle(0);
            idledNs.set(System.nanoTime() - startNs);
        });
        agent.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (agent.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        maxParkNs.set(0); // the work the wake announces
        idle.wake();
        agent.join(TimeUnit.SECONDS.toMillis(10));
        assertTrue(
                idledNs.get() >= 0 && idledNs.get() < TimeUnit.SECONDS.toNanos(10), "idled " + idledNs.get() + " ns");
    }
}
