package io.tickfan.server.fanout;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * Spins, then yields, then parks; producers {@link #wake()} a parked consumer. On a 2-core machine
 * a busy-spinning sequencer would take a whole core from the event loops, and a timed park alone
 * adds up to its period to every tick's latency. This strategy idles at no CPU and still reacts in
 * microseconds: after announcing that it parks it re-checks for work, and producers fence before
 * reading the announcement, so no wake-up is lost (the park timeout is only a safety net).
 *
 * <p>{@link #parking} leaves out the spin and yield phases, for agents that wait on something else
 * (the Redis bridge's: a reader blocks in {@code XREAD} and parks only to back off, a writer until
 * a publish or an answer is due): eight shard writers spinning after each batch would take a core
 * from the event loops of a 2-core pod.
 */
public final class WakeableIdleStrategy implements IdleStrategy {
    private static final int SPINS = 64;
    private static final int YIELDS = 16;

    private final int spins;
    private final int spinsAndYields;
    /** Asked after the park is announced: how long it may last; 0 or less when there is work. */
    private final LongSupplier parkNs;

    private volatile Thread parkedThread;
    private int idleCount;

    /** Spins, yields, then parks up to {@code maxParkNs} unless {@code hasWork}. */
    public WakeableIdleStrategy(BooleanSupplier hasWork, long maxParkNs) {
        this(SPINS, YIELDS, () -> hasWork.getAsBoolean() ? 0 : maxParkNs);
    }

    private WakeableIdleStrategy(int spins, int yields, LongSupplier parkNs) {
        this.spins = spins;
        this.spinsAndYields = spins + yields;
        this.parkNs = parkNs;
    }

    /**
     * Parks at once, for as long as {@code parkNs} says (asked on the idle thread after the park is
     * announced, so it may look for work: 0 or less is "not at all").
     */
    public static WakeableIdleStrategy parking(LongSupplier parkNs) {
        return new WakeableIdleStrategy(0, 0, parkNs);
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
        final int count = idleCount;
        if (count < spinsAndYields) {
            idleCount = count + 1;
            if (count < spins) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
            return;
        }
        parkedThread = Thread.currentThread();
        final long ns = parkNs.getAsLong();
        if (ns > 0) {
            LockSupport.parkNanos(this, ns);
        }
        parkedThread = null;
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
