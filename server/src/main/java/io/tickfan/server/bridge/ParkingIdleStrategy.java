package io.tickfan.server.bridge;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * The bridge agents' idle strategy: after a duty cycle with no work, park for as long as the agent
 * says it may ({@code maxParkNs}, asked after announcing the park: 0 or less is "not at all"), and
 * let producers {@link #wake()} it early. The bridge threads wait on Redis, not on a spinning CPU:
 * a reader blocks in {@code XREAD} and parks only to back off, a writer parks until a publish or an
 * answer is due, the heartbeat until its next beat. No spin or yield phase, unlike the sequencer's
 * {@code WakeableIdleStrategy}: eight shard writers spinning after each batch would take a core
 * from the event loops of a 2-core pod.
 *
 * <p>No lost wake-up: the agent announces the park, then asks {@code maxParkNs} (which looks for
 * work), and a producer fences between making work visible and reading the announcement.
 */
final class ParkingIdleStrategy implements IdleStrategy {
    private final LongSupplier maxParkNs;
    private volatile Thread parkedThread;

    /** @param maxParkNs the agent's thread: how long it may park now; 0 or less when it has work */
    ParkingIdleStrategy(LongSupplier maxParkNs) {
        this.maxParkNs = maxParkNs;
    }

    @Override
    public void idle(int workCount) {
        if (workCount <= 0) {
            idle();
        }
    }

    @Override
    public void idle() {
        parkedThread = Thread.currentThread();
        final long parkNs = maxParkNs.getAsLong();
        if (parkNs > 0) {
            LockSupport.parkNanos(this, parkNs);
        }
        parkedThread = null;
    }

    @Override
    public void reset() {}

    /**
     * Any thread, after making work visible: unparks the agent if it is parked. Costs a fence (next
     * to nothing after the CAS of a ring or queue offer), and a system call only if parked.
     */
    void wake() {
        VarHandle.fullFence();
        final Thread t = parkedThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public String alias() {
        return "parking";
    }
}
