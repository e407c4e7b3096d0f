package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class CpuClockTest {
    @Test
    void shouldGroupThreadsByRole() {
        assertEquals("tickfan-io", CpuClock.role("tickfan-io-3-2"));
        assertEquals("tickfan-accept", CpuClock.role("tickfan-accept-"));
        assertEquals("tickfan-sequenc", CpuClock.role("tickfan-sequenc"));
        assertEquals("jit", CpuClock.role("C2 CompilerThre"));
        assertEquals("jit", CpuClock.role("C1 CompilerThre"));
        assertEquals("gc", CpuClock.role("GC Thread#1"));
        assertEquals("gc", CpuClock.role("G1 Conc#0"));
        assertEquals("42", CpuClock.role("42"));
    }

    @Test
    void shouldAddTheTimeOfEachRolesThreadsBetweenTwoReadings() {
        final Map<String, CpuClock.ThreadTime> before = Map.of(
                "1", new CpuClock.ThreadTime("tickfan-io-3-1", 1.0),
                "2", new CpuClock.ThreadTime("tickfan-io-3-2", 2.0),
                "3", new CpuClock.ThreadTime("C2 CompilerThre", 5.0));
        final Map<String, CpuClock.ThreadTime> after = Map.of(
                "1", new CpuClock.ThreadTime("tickfan-io-3-1", 1.5),
                "2", new CpuClock.ThreadTime("tickfan-io-3-2", 2.25),
                "3", new CpuClock.ThreadTime("C2 CompilerThre", 5.001),
                "4", new CpuClock.ThreadTime("C1 CompilerThre", 0.5));
        final Map<String, Double> roles = CpuClock.byRole(before, after);
        assertEquals(0.75, roles.get("tickfan-io"), 1e-9);
        // A thread born between the readings counts whole; roles under 10 ms are left out.
        assertEquals(0.5, roles.get("jit"), 1e-9);
        assertEquals(2, roles.size(), roles.toString());
    }

    @Test
    void shouldReadTheThreadsOfALiveProcess() throws Exception {
        final CountDownLatch done = new CountDownLatch(1);
        // The JVM names the threads it starts for the kernel too (the main thread stays "java"),
        // which keeps 15 characters of a name.
        final Thread probe = new Thread(
                () -> {
                    try {
                        done.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "cpuclock-probe-7");
        probe.start();
        try {
            final Map<String, CpuClock.ThreadTime> self =
                    CpuClock.threadSeconds(ProcessHandle.current().pid());
            assertFalse(self.isEmpty());
            assertTrue(self.values().stream().anyMatch(t -> t.name().equals("cpuclock-probe-")), self.toString());
        } finally {
            done.countDown();
            probe.join();
        }
        assertTrue(CpuClock.threadSeconds(0).isEmpty());
    }
}
