package io.tickfan.loadgen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's TCP counters that show what a storm does below the sockets: accept-queue overflows
 * and drops, SYNs retransmitted (a client whose SYN was dropped retries after 1, 2, 4, 8 and 16 s),
 * failed connection attempts and retransmitted segments. They come from {@code /proc/net/netstat}
 * ({@code TcpExt}) and {@code /proc/net/snmp} ({@code Tcp}) and are machine-wide (per network
 * namespace): a drill reports the difference between two snapshots, which includes anything else
 * the machine did meanwhile.
 */
final class KernelCounters {
    /** Report name, file, row prefix and column of each counter. */
    private static final String[][] COUNTERS = {
        {"listen_overflows", "/proc/net/netstat", "TcpExt:", "ListenOverflows"},
        {"listen_drops", "/proc/net/netstat", "TcpExt:", "ListenDrops"},
        {"syn_retrans", "/proc/net/netstat", "TcpExt:", "TCPSynRetrans"},
        {"attempt_fails", "/proc/net/snmp", "Tcp:", "AttemptFails"},
        {"retrans_segs", "/proc/net/snmp", "Tcp:", "RetransSegs"},
    };

    private final Map<String, Long> values;

    private KernelCounters(Map<String, Long> values) {
        this.values = values;
    }

    /** A snapshot now; counters that cannot be read (no /proc) are absent. */
    static KernelCounters read() {
        final Map<String, String> files = new LinkedHashMap<>();
        for (String[] c : COUNTERS) {
            files.computeIfAbsent(c[1], f -> {
                try {
                    // Files.readString trusts the size /proc reports (0 or 4096): read line by line.
                    return String.join("\n", Files.readAllLines(Path.of(f)));
                } catch (IOException | RuntimeException e) {
                    return "";
                }
            });
        }
        return parse(files);
    }

    /** Parses the text of the files by name (as in {@link #COUNTERS}). */
    static KernelCounters parse(Map<String, String> fileTexts) {
        final Map<String, Long> values = new LinkedHashMap<>();
        for (String[] c : COUNTERS) {
            final Long v = find(fileTexts.getOrDefault(c[1], ""), c[2], c[3]);
            if (v != null) {
                values.put(c[0], v);
            }
        }
        return new KernelCounters(values);
    }

    /** Rows come in pairs: a header line of names, then a line of values, both with {@code prefix}. */
    private static Long find(String text, String prefix, String name) {
        final List<String> lines =
                text.lines().filter(l -> l.startsWith(prefix)).toList();
        for (int i = 0; i + 1 < lines.size(); i += 2) {
            final String[] names = lines.get(i).trim().split("\\s+");
            final String[] nums = lines.get(i + 1).trim().split("\\s+");
            for (int k = 1; k < names.length && k < nums.length; k++) {
                if (names[k].equals(name)) {
                    try {
                        return Long.parseLong(nums[k]);
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }
            }
        }
        return null;
    }

    Long get(String name) {
        return values.get(name);
    }

    /** {@code this - before} for every counter both have, in report order. */
    Map<String, Object> since(KernelCounters before) {
        final Map<String, Object> m = new LinkedHashMap<>();
        for (String[] c : COUNTERS) {
            final Long a = values.get(c[0]);
            final Long b = before.values.get(c[0]);
            if (a != null && b != null) {
                m.put(c[0], a - b);
            }
        }
        m.put("scope", "machine-wide (this network namespace), not just this drill");
        return m;
    }

    static String line(Map<String, Object> delta) {
        return String.format(
                java.util.Locale.ROOT,
                "kernel (machine-wide): listen overflows %s  listen drops %s  SYN retransmits %s  failed attempts %s  retransmitted segments %s%n",
                delta.getOrDefault("listen_overflows", "n/a"),
                delta.getOrDefault("listen_drops", "n/a"),
                delta.getOrDefault("syn_retrans", "n/a"),
                delta.getOrDefault("attempt_fails", "n/a"),
                delta.getOrDefault("retrans_segs", "n/a"));
    }
}
