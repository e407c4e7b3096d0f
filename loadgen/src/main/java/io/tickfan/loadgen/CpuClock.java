package io.tickfan.loadgen;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** CPU time used so far by this process, and by another process (the server) read from /proc. */
final class CpuClock {
    /** Linux reports utime and stime in clock ticks of 1/100 s on every mainstream architecture. */
    private static final double SECONDS_PER_TICK = 0.01;

    private CpuClock() {}

    /** This JVM's CPU seconds (user + system), or NaN where the platform does not say. */
    static double selfSeconds() {
        final var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            final long ns = sun.getProcessCpuTime();
            return ns < 0 ? Double.NaN : ns / 1e9;
        }
        return Double.NaN;
    }

    /**
     * CPU seconds of each live thread of process {@code pid} (/proc/pid/task/tid/stat), keyed by
     * thread id; empty if they cannot be read. A thread that ended between two readings takes its
     * time with it: fine for a server's long-lived threads (event loops, compilers, GC).
     */
    static Map<String, ThreadTime> threadSeconds(long pid) {
        final Map<String, ThreadTime> threads = new TreeMap<>();
        if (pid <= 0) {
            return threads;
        }
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            tasks.forEach(task -> {
                try {
                    final String stat = Files.readString(task.resolve("stat"));
                    final String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    threads.put(
                            task.getFileName().toString(),
                            new ThreadTime(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * SECONDS_PER_TICK));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while we looked
                }
            });
        } catch (IOException | RuntimeException e) {
            threads.clear();
        }
        return threads;
    }

    /** One thread's name and CPU seconds. */
    record ThreadTime(String name, double seconds) {}

    /**
     * CPU seconds spent between two {@link #threadSeconds} readings, by role: the thread name
     * without its number ({@code tickfan-io-3-2} is {@code tickfan-io}), the JIT compilers as
     * {@code jit}, the garbage collector's threads as {@code gc}. Only roles that used at least 10 ms.
     */
    static Map<String, Double> byRole(Map<String, ThreadTime> before, Map<String, ThreadTime> after) {
        final Map<String, Double> roles = new TreeMap<>();
        for (Map.Entry<String, ThreadTime> e : after.entrySet()) {
            final ThreadTime was = before.get(e.getKey());
            final double spent = e.getValue().seconds() - (was == null ? 0 : was.seconds());
            roles.merge(role(e.getValue().name()), spent, Double::sum);
        }
        roles.values().removeIf(s -> s < 0.01);
        roles.replaceAll((role, s) -> Math.round(s * 100) / 100.0);
        return roles;
    }

    static String role(String threadName) {
        if (threadName.startsWith("C1 Compiler") || threadName.startsWith("C2 Compiler")) {
            return "jit";
        }
        if (threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")) {
            return "gc";
        }
        // Linux keeps 15 characters of a name: "tickfan-accept-1" arrives as "tickfan-accept-".
        final String role = threadName.replaceAll("[-#_ 0-9]+$", "");
        return role.isEmpty() ? threadName : role;
    }

    /** CPU seconds of process {@code pid} from /proc/pid/stat, or NaN if it cannot be read. */
    static double processSeconds(long pid) {
        if (pid <= 0) {
            return Double.NaN;
        }
        try {
            final String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The command name (field 2) may hold spaces; fields after its closing parenthesis are fixed.
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            final long utime = Long.parseLong(f[11]);
            final long stime = Long.parseLong(f[12]);
            return (utime + stime) * SECONDS_PER_TICK;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
