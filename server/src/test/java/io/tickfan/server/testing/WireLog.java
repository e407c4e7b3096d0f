package io.tickfan.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps samples of what the server sent the test clients, for client-js's contract test, which
 * checks each one against docs/asyncapi.yaml (the JVM has no JSON Schema validator among our
 * dependencies; the JavaScript suite has one). Files per test JVM under {@code
 * target/wire-messages/}: {@code ws-<pid>.ndjson} with one WebSocket text message per line, {@code
 * sse-<pid>.tsv} with an SSE tick event's id, a tab and its data per line. A message's shape is its
 * transport and set of keys; the first {@link #PER_SHAPE} of each shape are kept, so every kind of
 * message the integration suites saw is checked while a flood test writes a few lines, not millions.
 */
public final class WireLog {
    static final int PER_SHAPE = 50;
    private static final Pattern KEY = Pattern.compile("\"([A-Za-z_]+)\":");
    /** Messages seen per shape; a flood's clients only count here, without a shared lock. */
    private static final Map<String, AtomicInteger> SEEN = new ConcurrentHashMap<>();

    private static final Map<String, Writer> OUT = new HashMap<>();

    private WireLog() {}

    /** Records one WebSocket text message as the server sent it. */
    public static void ws(String text) {
        record("ws-%d.ndjson", text, text);
    }

    /** Records one SSE {@code tick} event: its id (may be null) and its data. */
    public static void sse(String id, String data) {
        record("sse-%d.tsv", data, (id == null ? "" : id) + "\t" + data);
    }

    private static void record(String file, String text, String line) {
        final StringBuilder shape = new StringBuilder(file).append(':');
        final Matcher m = KEY.matcher(text);
        while (m.find()) {
            shape.append(m.group(1)).append(',');
        }
        if (SEEN.computeIfAbsent(shape.toString(), k -> new AtomicInteger()).incrementAndGet() > PER_SHAPE) {
            return;
        }
        synchronized (OUT) {
            try {
                if (OUT.isEmpty()) {
                    Runtime.getRuntime().addShutdownHook(new Thread(WireLog::close, "wire-log-close"));
                }
                Writer out = OUT.get(file);
                if (out == null) {
                    final Path dir = Path.of("target", "wire-messages");
                    Files.createDirectories(dir);
                    out = Files.newBufferedWriter(
                            dir.resolve(
                                    String.format(file, ProcessHandle.current().pid())),
                            StandardCharsets.UTF_8);
                    OUT.put(file, out);
                }
                // JSON holds a newline only escaped inside a string: one message per line.
                out.write(line.replace("\n", "\\n"));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void close() {
        synchronized (OUT) {
            for (Writer out : OUT.values()) {
                try {
                    out.close();
                } catch (IOException ignored) {
                    // the JVM is exiting; every line is flushed already
                }
            }
        }
    }
}
