package io.tickfan.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/tickfan.sh}, the production launcher, run for real on the shaded jar: it makes a
 * class cache with a training start, a start maps its classes from that cache, and a cache that does
 * not belong to the runtime is ignored rather than stopping the pod.
 */
class LauncherIT {
    private static final Path LAUNCHER = Path.of("..", "deploy", "tickfan.sh");
    private static final Path JAR = Path.of("target", "tickfan-server.jar");
    private static final Path JAVA_HOME = Path.of(System.getProperty("java.home"));

    @TempDir
    Path dir;

    private ProcessBuilder launcher(Path cache, String... args) {
        final ProcessBuilder pb = new ProcessBuilder();
        pb.command().addAll(List.of("bash", LAUNCHER.toString()));
        pb.command().addAll(List.of(args));
        final Map<String, String> env = pb.environment();
        env.put("TICKFAN_JAR", JAR.toAbsolutePath().toString());
        env.put("JAVA_HOME", JAVA_HOME.toString()); // the runtime of this test, whose flags it knows
        env.put("TICKFAN_HEAP", "128m");
        env.put("TICKFAN_DIRECT", "64m");
        env.put("TICKFAN_CLASS_CACHE", cache.toString());
        // Where each class came from, one line per class: "source: shared objects file" is the cache.
        env.put("TICKFAN_JAVA_OPTS", "-Xlog:class+load=info:file=" + dir.resolve("classes.log"));
        return pb.redirectErrorStream(true);
    }

    /** Starts a pod through the launcher, waits for its ready line, stops it; returns its output. */
    private String startAndStop(Path cache) throws Exception {
        final Process pod = launcher(cache, "--host=127.0.0.1", "--port=0", "--demo.enabled=false")
                .start();
        // The pod's output is read line by line as it comes; the ready line (or the end of the
        // output, when the pod exits) completes the wait.
        final StringBuffer out = new StringBuffer();
        final CompletableFuture<Boolean> ready = new CompletableFuture<>();
        final Thread reader = new Thread(() -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(pod.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = lines.readLine()) != null; ) {
                    out.append(line).append('\n');
                    if (line.contains("tickfan ready")) {
                        ready.complete(true);
                    }
                }
            } catch (IOException e) {
                out.append(e).append('\n');
            } finally {
                ready.complete(false);
            }
        });
        reader.start();
        try {
            final boolean isReady;
            try {
                isReady = ready.get(60, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("not ready in 60 s: " + out, e);
            }
            assertTrue(isReady, () -> "the pod exited: " + out);
        } finally {
            pod.destroy(); // SIGTERM: the pod drains and exits
            assertTrue(pod.waitFor(30, TimeUnit.SECONDS), "the pod exits on SIGTERM");
            reader.join(TimeUnit.SECONDS.toMillis(10));
        }
        return out.toString();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Whether {@code cache} holds {@code className}, as the runtime lists the cache's classes. */
    private static boolean trained(Path cache, String className) throws Exception {
        final String option = Runtime.version().feature() >= 25 ? "-XX:AOTCache=" : "-XX:SharedArchiveFile=";
        final Process list = new ProcessBuilder(
                        JAVA_HOME.resolve("bin").resolve("java").toString(),
                        option + cache,
                        "-XX:+PrintSharedArchiveAndExit",
                        "-jar",
                        JAR.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .start();
        final String classes = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(list.waitFor(60, TimeUnit.SECONDS));
        return classes.lines().anyMatch(l -> l.contains(" " + className + " "));
    }

    private boolean serverClassCameFromTheCache() {
        return read(dir.resolve("classes.log"))
                .lines()
                .anyMatch(l ->
                        l.contains("io.tickfan.server.TickfanServer ") && l.contains("source: shared objects file"));
    }

    @Test
    void shouldMakeAClassCacheAndStartFromIt() throws Exception {
        final Path cache = dir.resolve("tickfan.cache");
        final Process make = launcher(cache, "--make-class-cache").start();
        final String made = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(make.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, make.exitValue(), made);
        assertTrue(Files.size(cache) > 0, made);
        assertTrue(trained(cache, "io.tickfan.server.sse.SseHandler"), "the training start served an SSE stream");

        startAndStop(cache);
        assertTrue(serverClassCameFromTheCache(), "the server's classes are mapped from the cache");

        // The jar was rebuilt after the cache was made: the launcher leaves the cache out and says so.
        Files.setLastModifiedTime(
                cache,
                java.nio.file.attribute.FileTime.fromMillis(
                        Files.getLastModifiedTime(JAR).toMillis() - TimeUnit.DAYS.toMillis(1)));
        final String stale = startAndStop(cache);
        assertTrue(stale.contains("is older than the jar, not used"), stale);
        assertTrue(!serverClassCameFromTheCache(), "a stale cache is not mapped");
    }

    @Test
    void shouldStartWithoutACacheThatDoesNotMatch() throws Exception {
        final Path cache = dir.resolve("foreign.cache");
        Files.write(cache, "not a class cache of this runtime".getBytes(StandardCharsets.US_ASCII));
        final String out = startAndStop(cache);
        assertTrue(out.contains("tickfan ready"), out);
        assertTrue(!serverClassCameFromTheCache(), "nothing came from a foreign file");
    }
}
