package io.tickfan.server.bridge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} child process on a free loopback port, for bridge tests. Never the
 * shared one on 6379. {@link #kill()} stops it abruptly (SIGKILL, by PID); {@link #start()} starts
 * it again on the same port, with its data when {@code persistent} (append-only file, fsync on
 * every write, in a temp directory) or empty when not. Extra arguments (a cluster node's) are kept
 * across restarts, and so is the temp directory (a cluster node's {@code nodes.conf}).
 */
final class RedisServer implements AutoCloseable {
    private final int port;
    private final boolean persistent;
    private final Path dir;
    private final List<String> extraArgs;
    private Process process;

    private RedisServer(int port, boolean persistent, Path dir, List<String> extraArgs) {
        this.port = port;
        this.persistent = persistent;
        this.dir = dir;
        this.extraArgs = extraArgs;
    }

    static RedisServer start(boolean persistent) throws IOException {
        return start(persistent, List.of());
    }

    static RedisServer start(boolean persistent, List<String> extraArgs) throws IOException {
        final Path dir = Files.createTempDirectory("tickfan-redis");
        final RedisServer r = new RedisServer(freePort(), persistent, dir, extraArgs);
        r.start();
        return r;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    void start() throws IOException {
        final List<String> cmd = new ArrayList<>(List.of(
                "redis-server",
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--daemonize",
                "no",
                "--dir",
                dir.toString()));
        if (persistent) {
            cmd.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
        } else {
            cmd.addAll(List.of("--appendonly", "no"));
        }
        cmd.addAll(extraArgs);
        process = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis.log").toFile())
                .start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!ping()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IOException(
                        "redis-server did not start on " + port + ": " + Files.readString(dir.resolve("redis.log")));
            }
            Thread.onSpinWait();
        }
    }

    /**
     * {@code CLIENT PAUSE ms WRITE}: for {@code ms} Redis answers no write command (appends wait)
     * while reads ({@code XREAD}) go on, as a Redis slow for appends under load; it ends by itself.
     */
    void pauseWrites(long ms) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(1000);
            final OutputStream out = s.getOutputStream();
            out.write(("CLIENT PAUSE " + ms + " WRITE\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final byte[] buf = new byte[64];
            final int n = s.getInputStream().read(buf);
            if (n <= 0 || buf[0] != '+') {
                throw new IOException("CLIENT PAUSE failed: "
                        + (n > 0 ? new String(buf, 0, n, StandardCharsets.US_ASCII) : "no answer"));
            }
        }
    }

    private boolean ping() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(500);
            final OutputStream out = s.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = s.getInputStream();
            final byte[] buf = new byte[16];
            final int n = in.read(buf);
            return n > 0 && new String(buf, 0, n, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** SIGKILL by PID, then waits until the process is gone. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** CPU time (user + system) the running redis-server used so far, from /proc; 0 when not known. */
    long cpuNs() {
        try {
            final String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
            final String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // utime and stime are fields 14 and 15 of stat (11 and 12 after the command), in clock ticks (100/s)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** SIGSTOP by PID: the process keeps its sockets open and answers nothing (a wedged Redis). */
    void freeze() throws IOException, InterruptedException {
        signal("STOP");
    }

    /** SIGCONT by PID, after {@link #freeze()}. */
    void thaw() throws IOException, InterruptedException {
        signal("CONT");
    }

    private void signal(String name) throws IOException, InterruptedException {
        final Process kill = new ProcessBuilder("bash", "-c", "kill -" + name + " " + process.pid())
                .inheritIO()
                .start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + name + " " + process.pid() + " failed");
        }
    }

    String uri() {
        return "redis://127.0.0.1:" + port;
    }

    int port() {
        return port;
    }

    @Override
    public void close() {
        try {
            kill();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
