package io.tickfan.server.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The listen backlog and the kernel's caps on it. Linux gives a listening socket an accept queue
 * of {@code min(backlog, net.core.somaxconn)} connections; SYNs beyond what
 * {@code net.ipv4.tcp_max_syn_backlog} holds are answered with SYN cookies (or dropped, with
 * {@code tcp_syncookies=0}). When the accept queue is full the kernel drops the handshake's last
 * ACK or the SYN, and the client retries after 1, 2, 4, 8 and 16 s: in a reconnect storm that turns
 * a few hundred milliseconds of accepting into seconds of waiting. So the backlog must hold a
 * storm's burst, and the kernel must allow it.
 */
public final class ListenBacklog {
    static final Path SOMAXCONN = Path.of("/proc/sys/net/core/somaxconn");
    static final Path MAX_SYN_BACKLOG = Path.of("/proc/sys/net/ipv4/tcp_max_syn_backlog");

    private ListenBacklog() {}

    /**
     * One line to log when the kernel will hold fewer pending connections than {@code backlog}
     * asks for, or null when it holds them all (or its settings cannot be read).
     */
    public static String capWarning(int backlog) {
        return capWarning(backlog, read(SOMAXCONN), read(MAX_SYN_BACKLOG));
    }

    /** As {@link #capWarning(int)} with the kernel's values given (-1: unknown). */
    static String capWarning(int backlog, long somaxconn, long maxSynBacklog) {
        final StringBuilder low = new StringBuilder();
        if (somaxconn >= 0 && somaxconn < backlog) {
            low.append("net.core.somaxconn=").append(somaxconn);
        }
        if (maxSynBacklog >= 0 && maxSynBacklog < backlog) {
            low.append(low.length() == 0 ? "" : ", ")
                    .append("net.ipv4.tcp_max_syn_backlog=")
                    .append(maxSynBacklog);
        }
        if (low.length() == 0) {
            return null;
        }
        return "transport.backlog=" + backlog + " but the kernel caps it (" + low
                + "): a reconnect storm may overflow the listen queue; raise them with sysctl (docs/configuration.md)";
    }

    private static long read(Path file) {
        try {
            // Files.readString trusts the size /proc reports and may return a truncated value: read lines.
            return Long.parseLong(Files.readAllLines(file).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
