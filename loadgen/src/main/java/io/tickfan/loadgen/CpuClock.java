package io.tickfan.loadgen;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

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
