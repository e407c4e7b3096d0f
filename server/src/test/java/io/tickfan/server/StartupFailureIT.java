package io.tickfan.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the real {@link Main} as a child JVM with bad settings and failed start-ups: each must end
 * in exactly one line on stderr naming the setting and the cause (no stack trace) and a non-zero
 * exit; {@code --print-config} shows each value's source with secrets redacted.
 */
class StartupFailureIT {
    @TempDir
    Path dir;

    record Run(int exit, String out, List<String> errLines) {}

    private Run run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports",
                "java.base/jdk.internal.misc=ALL-UNNAMED",
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                Main.class.getName()));
        cmd.addAll(List.of(args));
        final ProcessBuilder pb = new ProcessBuilder(cmd)
                .redirectOutput(dir.resolve("out.txt").toFile())
                .redirectError(dir.resolve("err.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("TICKFAN_"));
        pb.environment().putAll(env);
        final Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("tickfan did not exit within 60 s: " + String.join(" ", args));
        }
        final List<String> err = Files.readAllLines(dir.resolve("err.txt"), StandardCharsets.UTF_8);
        return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt")), err);
    }

    private static void assertOneLine(Run run, String... expected) {
        assertNotEquals(0, run.exit(), "exit code");
        assertEquals(1, run.errLines().size(), "stderr must be one line: " + run.errLines());
        final String line = run.errLines().get(0);
        assertTrue(line.startsWith("tickfan: "), line);
        for (String e : expected) {
            assertTrue(line.contains(e), "expected '" + e + "' in: " + line);
        }
        assertFalse(line.contains("Exception"), "an exception class name leaked: " + line);
    }

    @Test
    void shouldRefusePortOutOfRangeInOneLine() throws Exception {
        final Run run = run(Map.of(), "--port=70000");
        assertOneLine(run, "port", "70000", "flag --port");
        assertEquals(2, run.exit());
    }

    @Test
    void shouldRefuseUnknownTransportInOneLine() throws Exception {
        assertOneLine(run(Map.of(), "--transport=foo"), "transport", "foo");
    }

    @Test
    void shouldRefuseMissingKeyFileInOneLine() throws Exception {
        final Run run =
                run(Map.of(), "--port=0", "--demo.enabled=false", "--auth.rs256PublicKeyFile=/nonexistent/k.pem");
        assertOneLine(run, "auth.rs256PublicKeyFile", "/nonexistent/k.pem", "no such file");
        assertEquals(1, run.exit());
    }

    /** The Redis bridge connects while the keys are read: a bad key still ends the start in one line, promptly. */
    @Test
    void shouldRefuseMissingKeyFileInOneLineWhileTheBridgeStillConnects() throws Exception {
        final int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        final long began = System.nanoTime();
        final Run run = run(
                Map.of(),
                "--port=0",
                "--demo.enabled=false",
                "--auth.rs256PublicKeyFile=/nonexistent/k.pem",
                "--redis.uri=redis://127.0.0.1:" + closed,
                "--redis.startupTimeoutMs=60000");
        assertOneLine(run, "auth.rs256PublicKeyFile", "/nonexistent/k.pem", "no such file");
        assertEquals(1, run.exit());
        final long tookS = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began);
        assertTrue(tookS < 30, "the start took " + tookS + " s to give up (redis.startupTimeoutMs 60 s)");
    }

    @Test
    void shouldRefusePortInUseInOneLine() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final Run run = run(Map.of(), "--host=127.0.0.1", "--port=" + taken.getLocalPort(), "--demo.enabled=false");
            assertOneLine(run, "host/port", "127.0.0.1:" + taken.getLocalPort(), "address already in use");
        }
    }

    @Test
    void shouldSayWhatTheOtherListenerNeedsWhenAPortSharedWithReusePortIsTaken() throws Exception {
        // A plain listener holds the port: SO_REUSEPORT on ours alone does not share it.
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final Run run = run(
                    Map.of(),
                    "--host=127.0.0.1",
                    "--port=" + taken.getLocalPort(),
                    "--transport.reusePort=true",
                    "--demo.enabled=false");
            assertOneLine(
                    run,
                    "127.0.0.1:" + taken.getLocalPort(),
                    "must run with transport.reusePort=true too",
                    "address already in use");
            assertEquals(1, run.exit());
        }
    }

    @Test
    void shouldRefuseUnreachableRedisInOneLine() throws Exception {
        final int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        final Run run = run(
                Map.of(),
                "--port=0",
                "--demo.enabled=false",
                "--redis.uri=redis://127.0.0.1:" + closed,
                "--redis.startupTimeoutMs=500");
        assertOneLine(run, "redis.uri", "127.0.0.1:" + closed, "Connection refused");
    }

    @Test
    void shouldRefuseUnknownKeyInConfigFileNamingFileAndLine() throws Exception {
        final Path file = dir.resolve("tickfan.properties");
        Files.writeString(file, "# comment\nport=9000\nws.maxFrameByte=10\n");
        assertOneLine(run(Map.of(), "--config=" + file), "tickfan.properties:3", "unknown setting ws.maxFrameByte");
    }

    @Test
    void shouldRefuseBadValueInConfigFileNamingTheSource() throws Exception {
        final Path file = dir.resolve("tickfan.properties");
        Files.writeString(file, "history.ticksPerSymbol=lots\n");
        assertOneLine(
                run(Map.of("TICKFAN_CONFIG", file.toString())),
                "history.ticksPerSymbol",
                "lots",
                "tickfan.properties:1");
    }

    @Test
    void shouldPrintEffectiveConfigWithSourcesAndSecretsRedacted() throws Exception {
        final Path file = dir.resolve("tickfan.properties");
        Files.writeString(
                file, "port=9000\nauth.hs256Secret=file-secret-value\nredis.uri=redis://user:hunter2@127.0.0.1:1\n");
        final Run run = run(Map.of("TICKFAN_PORT", "9001"), "--config=" + file, "--print-config", "--ioThreads=3");
        assertEquals(0, run.exit(), run.errLines().toString());
        final String out = run.out();
        assertTrue(out.contains("port=9001    # env TICKFAN_PORT"), out);
        assertTrue(out.contains("ioThreads=3    # flag --ioThreads"), out);
        assertTrue(out.contains("auth.hs256Secret=<redacted>    # file " + file + ":2"), out);
        assertTrue(out.contains("redis.uri=redis://<redacted>@127.0.0.1:1    # file " + file + ":3"), out);
        assertTrue(out.contains("ws.maxFrameBytes=65536    # default"), out);
        assertFalse(out.contains("file-secret-value"), out);
        assertFalse(out.contains("hunter2"), out);
    }

    @Test
    void shouldMintAPublisherTokenFromTheConfiguredSecret() throws Exception {
        final Path file = dir.resolve("tickfan.properties");
        Files.writeString(file, "auth.hs256Secret=mint-test-secret\n");
        final Run run = run(Map.of(), "mint-token", "--config=" + file, "--sub=feed", "--roles=publisher");
        assertEquals(0, run.exit(), run.errLines().toString());
        final var jwt = com.auth0
                .jwt
                .JWT
                .require(com.auth0.jwt.algorithms.Algorithm.HMAC256("mint-test-secret"))
                .build()
                .verify(run.out().strip());
        assertEquals("feed", jwt.getSubject());
        assertEquals(List.of("publisher"), jwt.getClaim("roles").asList(String.class));
    }

    @Test
    void shouldRefuseToMintWithoutASecretInOneLine() throws Exception {
        assertOneLine(run(Map.of(), "mint-token", "--sub=feed"), "auth.hs256Secret");
    }
}
