package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A successor starting beside a running pod on the same port ({@code transport.reusePort}) joins
 * the port only once it is up: until then the running pod takes every new connection. (A pod
 * listening early would get half of them from the kernel and hold them unanswered for as long as
 * its start takes; here its Redis answers nothing meanwhile.)
 */
@Tag("fault")
class ReusePortSuccessorStartIT {

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldLeaveNewConnectionsToTheRunningPodUntilTheSuccessorIsUp() throws Exception {
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer running =
                        TickfanServerExtension.start(c -> c.with(ServerConfig.TRANSPORT_REUSE_PORT, true))) {
            final int port = running.port();
            redis.freeze();
            final CompletableFuture<TickfanServer> starting = CompletableFuture.supplyAsync(() -> {
                try {
                    return TickfanServer.start(Pods.config(redis.uri())
                            .with(ServerConfig.PORT, port)
                            .with(ServerConfig.TRANSPORT_REUSE_PORT, true)
                            .with(ServerConfig.REDIS_STARTUP_TIMEOUT_MS, 60_000));
                } catch (Exception e) {
                    throw new CompletionException(e);
                }
            });
            try {
                // The successor gets as far as it can without Redis: its bridge waits to connect.
                Pods.await(
                        () -> Thread.getAllStackTraces().keySet().stream()
                                .anyMatch(t -> t.getName().equals("tickfan-redis-connect") && t.isAlive()),
                        "the successor's bridge connecting to a Redis that answers nothing");
                assertFalse(starting.isDone(), "the successor started with Redis frozen");
                assertEquals(1, listeners(port), "listening sockets on port " + port + " while the successor starts");
                final URI uri = URI.create("ws://127.0.0.1:" + port + "/ws");
                final List<CompletableFuture<TestClient>> opening = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    opening.add(TestClient.connectAsync(uri, TestTokens.valid()));
                }
                for (CompletableFuture<TestClient> f : opening) {
                    // Answered by the running pod at once, not held by a successor that is not up.
                    try (TestClient c = f.get(5, TimeUnit.SECONDS)) {
                        c.subscribeAndAwaitAck("SUCCESSOR.START");
                    }
                }
            } finally {
                redis.thaw();
            }
            try (TickfanServer successor = starting.get(60, TimeUnit.SECONDS)) {
                assertEquals(port, successor.port());
                assertEquals(2, listeners(port), "listening sockets on port " + port + " once the successor is up");
            }
        }
    }

    /** Sockets in LISTEN state on {@code port}, from the kernel's tables (IPv4 and IPv6). */
    private static int listeners(int port) throws IOException {
        final String local = String.format(Locale.ROOT, ":%04X", port);
        int n = 0;
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            final Path p = Path.of(table);
            if (!Files.exists(p)) {
                continue;
            }
            for (String line : Files.readAllLines(p)) {
                final String[] f = line.trim().split("\\s+");
                if (f.length > 3 && f[1].endsWith(local) && f[3].equals("0A")) {
                    n++;
                }
            }
        }
        return n;
    }
}
