package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A pod that is still starting (here: waiting for a Redis that answers nothing) already listens
 * and queues connections in the kernel, reads nothing from them, and answers them as soon as it
 * is up: a client reconnecting to a restarting pod waits instead of being refused and backing off.
 */
@Tag("fault")
class EarlyListenIT {

    @Test
    void shouldQueueConnectionsWhileStartingAndAnswerThemOnceUp() throws Exception {
        try (RedisServer redis = RedisServer.start(false)) {
            redis.freeze();
            final int port = freePort();
            final CompletableFuture<TickfanServer> starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return TickfanServer.start(Pods.config(redis.uri())
                            .with(ServerConfig.PORT, port)
                            .with(ServerConfig.REDIS_STARTUP_TIMEOUT_MS, 30_000));
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            try (Socket early = connectWhenListening(port)) {
                early.getOutputStream()
                        .write("GET /health HTTP/1.1\r\nHost: pod\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                early.setSoTimeout(1_000);
                assertThrows(
                        SocketTimeoutException.class,
                        () -> early.getInputStream().read(),
                        "an answer before the pod is up");
                assertFalse(starting.isDone(), "the pod started with Redis frozen");
                redis.thaw();
                try (TickfanServer pod = starting.get(30, TimeUnit.SECONDS)) {
                    assertEquals(port, pod.port());
                    early.setSoTimeout(10_000);
                    final String head = head(early.getInputStream());
                    assertTrue(head.startsWith("HTTP/1.1 200"), head);
                }
            }
        }
    }

    /** Connects to the port as soon as something listens on it (within the wait of {@link Pods#await}). */
    private static Socket connectWhenListening(int port) {
        final Socket[] connected = new Socket[1];
        Pods.await(
                () -> {
                    final Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
                        connected[0] = s;
                        return true;
                    } catch (IOException refused) {
                        try {
                            s.close();
                        } catch (IOException ignored) {
                            // nothing was open
                        }
                        return false;
                    }
                },
                "something listening on " + port + " while the pod starts");
        return connected[0];
    }

    private static String head(InputStream in) throws IOException {
        final StringBuilder b = new StringBuilder();
        int c;
        while ((c = in.read()) >= 0) {
            b.append((char) c);
            if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                break;
            }
        }
        return b.toString();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
