package io.tickfan.server.bridge;

import io.tickfan.server.fanout.WakeableIdleStrategy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.AgentTerminationException;

/**
 * Runs the bridge's agents (readers, writers, backfiller, heartbeat), each on an {@link
 * AgentRunner} on a daemon thread named by its role. A throwable out of a duty cycle is a bug or
 * an exhausted JVM, not a Redis fault (the agents handle those): it goes to {@code fatal}, which
 * fails the engine, and the agent stops (an Error ends its thread at once; an exception would
 * otherwise be retried at once, on the state it left half-updated).
 */
final class BridgeAgents implements AutoCloseable {
    /** An agent the bridge runs: {@link #stop} makes it leave its duty cycle and any wait inside one. */
    interface BridgeAgent extends Agent {
        /** Any thread: from now on the agent ends its turn early and its next {@link #doWork} ends it. */
        void stop();

        /** Its idle strategy, which {@link #stop} wakes. */
        WakeableIdleStrategy idle();
    }

    private final BiConsumer<String, Throwable> fatal;
    private final List<BridgeAgent> agents = new ArrayList<>();
    private final List<AgentRunner> runners = new ArrayList<>();

    /** @param fatal told the thread's name and the throwable (it judges whether the bridge is closing) */
    BridgeAgents(BiConsumer<String, Throwable> fatal) {
        this.fatal = fatal;
    }

    /** Starts {@code agent} on a daemon thread named {@link Agent#roleName()}. */
    synchronized void start(BridgeAgent agent) {
        final String name = agent.roleName();
        final AgentRunner runner = new AgentRunner(
                agent.idle(),
                t -> {
                    fatal.accept(name, t);
                    agent.stop();
                },
                null,
                agent);
        agents.add(agent);
        runners.add(runner);
        AgentRunner.startOnThread(runner, r -> {
            final Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * What a stopped agent's {@code doWork} throws: ends the runner's loop quietly (an expected
     * termination is not reported) and runs the agent's {@code onClose}.
     */
    static AgentTerminationException stopped() {
        return new AgentTerminationException(true);
    }

    /** Stops every agent, then waits for each thread to end (an agent blocked in a Redis read ends when it returns). */
    @Override
    public synchronized void close() {
        for (BridgeAgent a : agents) {
            a.stop();
        }
        for (AgentRunner r : runners) {
            r.close();
        }
    }
}
