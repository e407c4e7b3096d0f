package io.tickfan.server.fanout;

import java.lang.reflect.Field;
import org.agrona.concurrent.Agent;

/**
 * What the benchmarks need of the fan-out engine's package-private parts, in one place. The
 * sequencer is reached through the engine by field type, not by name or constructor, so a change
 * of the sequencer's constructor does not break the bench build; a structural change fails the
 * smoke run with a clear message instead.
 */
public final class BenchAccess {
    private BenchAccess() {}

    /** The engine's sequencer, not started: the caller runs its duty cycle ({@link Agent#doWork}). */
    public static Agent sequencer(FanoutEngine engine) {
        return (Agent) fieldOfType(engine, FanoutEngine.class, Agent.class);
    }

    /** The sequencer's per-tick step (what one ring record costs it, without the ring). */
    public static IngestRing.TickHandler sequencerStep(Agent sequencer) {
        return (IngestRing.TickHandler) fieldOfType(sequencer, sequencer.getClass(), IngestRing.TickHandler.class);
    }

    /** As the sequencer does per loop and tick: queue one reference of {@code tick} to {@code loop}. */
    public static boolean offer(LoopDispatcher loop, EncodedTick tick) {
        return loop.offer(tick);
    }

    /** As the sequencer does once per loop and cycle: schedule the loop's drain. */
    public static void wake(LoopDispatcher loop) {
        loop.wake();
    }

    private static Object fieldOfType(Object target, Class<?> declaring, Class<?> type) {
        Object found = null;
        for (Field f : declaring.getDeclaredFields()) {
            if (type.isAssignableFrom(f.getType()) && !java.lang.reflect.Modifier.isStatic(f.getModifiers())) {
                if (found != null) {
                    throw new IllegalStateException(
                            "more than one " + type.getSimpleName() + " field in " + declaring.getName());
                }
                f.setAccessible(true);
                try {
                    found = f.get(target);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        if (found == null) {
            throw new IllegalStateException("no " + type.getSimpleName() + " field in " + declaring.getName()
                    + ": update io.tickfan.server.fanout.BenchAccess");
        }
        return found;
    }
}
