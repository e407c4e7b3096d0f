package io.tickfan.server.logging;

import io.tickfan.protocol.JsonText;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.slf4j.event.Level;

/**
 * How log lines look: {@code plain} ({@code 2026-01-05T13:30:00.123Z [thread] INFO logger -
 * message}) or {@code json}, one object per line with a stable field set: {@code ts}, {@code
 * level}, {@code logger}, {@code thread}, {@code msg}, and {@code error} (the exception's class and
 * message) when there is one. Never a stack trace: one event, one line. Set once at start-up
 * from {@code log.format}; lines go to stderr.
 */
public final class LogFormat {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
    private static volatile boolean json;

    private LogFormat() {}

    /** {@code true}: JSON lines from now on. */
    public static void useJson(boolean on) {
        json = on;
    }

    static void write(Level level, String logger, String message, Throwable error) {
        final String thread = Thread.currentThread().getName();
        final String ts = TIME.format(Instant.now());
        final StringBuilder line = new StringBuilder(128 + message.length());
        if (json) {
            line.append("{\"ts\":\"").append(ts).append("\",\"level\":\"").append(level);
            line.append("\",\"logger\":");
            JsonText.quote(line, logger).append(",\"thread\":");
            JsonText.quote(line, thread).append(",\"msg\":");
            JsonText.quote(line, message);
            if (error != null) {
                line.append(",\"error\":");
                JsonText.quote(line, describe(error));
            }
            line.append('}');
        } else {
            line.append(ts)
                    .append(" [")
                    .append(thread)
                    .append("] ")
                    .append(level)
                    .append(' ');
            line.append(logger).append(" - ").append(message);
            if (error != null) {
                line.append(": ").append(describe(error));
            }
        }
        final PrintStream err = System.err;
        err.println(line);
    }

    private static String describe(Throwable t) {
        final String m = t.getMessage();
        final String first = m == null ? "" : m.lines().findFirst().orElse("");
        return t.getClass().getName() + (first.isEmpty() ? "" : ": " + first);
    }
}
