package io.tickfan.server.fanout;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * Spins, then yields, then parks; producers {@link #wake()} a parked consumer. On a 2-core machine
 * a busy-spinning sequencer would take a whole core from the event loops, and a timed park alone
 * adds up to its period to every tick's latency. This strategy idles at no CPU and still reacts in
 * microseconds: after announcing that it parks it re-checks for work, and producers fence before
 * reading the announcement, so no wake-up is lost (the park timeout is only a safety net).
 */
public final class WakeableIdleStrategy implements IdleStrategy {
    private static final int SPINS = 64;
    private static final int YIELDS = 16;

    private final BooleanSupplier hasWork;
    private final long maxParkNs;
    private volatile Thread parkedThread;
    private int idleCount;

    public WakeableIdleStrategy(BooleanSupplier hasWork, long maxParkNs) {
        this.hasWork = hasWork;
        this.maxParkNs = maxParkNs;
    }

    @Override
    public void idle(int workCount) {
        if (workCount > 0) {
            idleCount = 0;
        } else {
            idle();
        }
    }

    @Override
    public void idle() {
        final int count = idleCount++;
        if (count < SPINS) {
            Thread.onSpinWait();
        } else if (count < SPINS + YIELDS) {
            Thread.yield();
        } else {
            parkedThread = Thread.currentThread();
            if (!hasWork.getAsBoolean()) {
                LockSupport.parkNanos(this, maxParkNs);
            }
            parkedThread = null;
        }
    }

    @Override
    public void reset() {
        idleCount = 0;
    }

    /** Called by a producer after it made work visible; costs a fence, and a syscall only if parked. */
    public void wake() {
        VarHandle.fullFence();
        final Thread t = parkedThread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    @Override
    public String alias() {
        return "wakeable";
    }
}
