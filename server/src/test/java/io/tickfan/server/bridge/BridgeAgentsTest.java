package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.fanout.WakeableIdleStrategy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BridgeAgentsTest {
    /** Counts its turns; throws {@code fault} on the third. */
    private static final class TestAgent implements BridgeAgents.BridgeAgent {
        final WakeableIdleStrategy idle = WakeableIdleStrategy.parking(this::maxParkNs);
        final AtomicInteger turns = new AtomicInteger();
        final CountDownLatch closed = new CountDownLatch(1);
        final RuntimeException fault;
        volatile boolean running = true;
        volatile Thread thread;

        TestAgent(RuntimeException fault) {
            this.fault = fault;
        }

        private long maxParkNs() {
            return running ? TimeUnit.SECONDS.toNanos(30) : 0;
        }

        @Override
        public int doWork() {
            if (!running) {
                throw BridgeAgents.stopped();
            }
            thread = Thread.currentThread();
            if (turns.incrementAndGet() == 3 && fault != null) {
                throw fault;
            }
            return turns.get() < 3 ? 1 : 0;
        }

        @Override
        public void onClose() {
            closed.countDown();
        }

        @Override
        public String roleName() {
            return "tickfan-test-agent";
        }

        @Override
        public void stop() {
            running = false;
            idle.wake();
        }

        @Override
        public WakeableIdleStrategy idle() {
            return idle;
        }
    }

    private record Failure(String thread, Throwable cause) {}

    @Test
    void shouldReportAThrowableOnceAndEndTheAgentRatherThanRetryIt() throws Exception {
        final List<Failure> failures = new CopyOnWriteArrayList<>();
        final IllegalStateException fault = new IllegalStateException("injected");
        final TestAgent agent = new TestAgent(fault);
        try (BridgeAgents agents = new BridgeAgents((name, t) -> failures.add(new Failure(name, t)))) {
            agents.start(agent);
            assertTrue(agent.closed.await(10, TimeUnit.SECONDS), "the failed agent's runner did not end");
            agent.thread.join(TimeUnit.SECONDS.toMillis(10));
            assertFalse(agent.thread.isAlive());
            assertEquals(1, failures.size());
            assertEquals("tickfan-test-agent", failures.get(0).thread());
            assertSame(fault, failures.get(0).cause());
            assertEquals(3, agent.turns.get());
        }
    }

    @Test
    void shouldRunEachAgentOnADaemonThreadNamedByItsRoleAndStopItOnClose() throws Exception {
        final List<Failure> failures = new CopyOnWriteArrayList<>();
        final TestAgent agent = new TestAgent(null);
        final BridgeAgents agents = new BridgeAgents((name, t) -> failures.add(new Failure(name, t)));
        agents.start(agent);
        Pods.await(() -> agent.turns.get() >= 3, "three turns of the agent");
        assertEquals("tickfan-test-agent", agent.thread.getName());
        assertTrue(agent.thread.isDaemon());
        // Parked for up to 30 s: close() wakes it through its idle strategy.
        final long closeStartNs = System.nanoTime();
        agents.close();
        assertTrue(System.nanoTime() - closeStartNs < TimeUnit.SECONDS.toNanos(5), "close waited out the park");
        assertEquals(0, agent.closed.getCount());
        assertFalse(agent.thread.isAlive());
        assertTrue(failures.isEmpty(), failures.toString());
    }
}
