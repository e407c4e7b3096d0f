package io.tickfan.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps samples of what the server sent the test clients, for client-js's contract test, which
 * checks each one against docs/asyncapi.yaml (the JVM has no JSON Schema validator among our
 * dependencies; the JavaScript suite has one). One file per test JVM under {@code
 * target/wire-messages/}, one WebSocket text message per line. A message's shape is its set of
 * keys; the first {@link #PER_SHAPE} of each shape are kept, so every kind of message the
 * integration suites saw is checked while a flood test writes a few lines, not millions.
 */
public final class WireLog {
    static final int PER_SHAPE = 50;
    private static final Pattern KEY = Pattern.compile("\"([A-Za-z_]+)\":");
    private static final Map<String, Integer> SEEN = new HashMap<>();
    private static Writer out;

    private WireLog() {}

    /** Records one WebSocket text message as the server sent it. */
    public static void ws(String text) {
        final StringBuilder shape = new StringBuilder();
        final Matcher m = KEY.matcher(text);
        while (m.find()) {
            shape.append(m.group(1)).append(',');
        }
        synchronized (SEEN) {
            if (SEEN.merge(shape.toString(), 1, Integer::sum) > PER_SHAPE) {
                return;
            }
            try {
                if (out == null) {
                    final Path dir = Path.of("target", "wire-messages");
                    Files.createDirectories(dir);
                    out = Files.newBufferedWriter(
                            dir.resolve("ws-" + ProcessHandle.current().pid() + ".ndjson"), StandardCharsets.UTF_8);
                    Runtime.getRuntime().addShutdownHook(new Thread(WireLog::close, "wire-log-close"));
                }
                // A text frame may hold a newline inside a JSON string only escaped: one message per line.
                out.write(text.replace("\n", "\\n"));
                out.write('\n');
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private static void close() {
        synchronized (SEEN) {
            try {
                if (out != null) {
                    out.close();
                }
            } catch (IOException ignored) {
                // the JVM is exiting; the lines written are flushed already
            }
        }
    }
}
