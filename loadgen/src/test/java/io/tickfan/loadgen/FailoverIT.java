package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.client.Backoff;
import io.tickfan.client.ClientListener;
import io.tickfan.client.ClientOptions;
import io.tickfan.client.ClientTransport;
import io.tickfan.client.TickfanClient;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Two real pods behind two URLs, one of them killed: the Java client and loadgen's storm move to
 * the surviving pod and resubscribe there.
 */
@Tag("fault")
@Timeout(120)
class FailoverIT {
    private static final String SECRET = "failover-it-secret";

    private final AtomicReference<TickfanServer> podA = new AtomicReference<>();
    private final AtomicReference<TickfanServer> podB = new AtomicReference<>();

    @TempDir
    Path reports;

    @BeforeEach
    void startPods() throws Exception {
        podA.set(start());
        podB.set(start());
    }

    @AfterEach
    void stopPods() {
        for (AtomicReference<TickfanServer> pod : List.of(podA, podB)) {
            final TickfanServer s = pod.getAndSet(null);
            if (s != null) {
                s.close();
            }
        }
    }

    private static TickfanServer start() throws Exception {
        return TickfanServer.start(ServerConfig.defaults()
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_ENABLED, false)
                .with(ServerConfig.AUTH_HS256_SECRET, SECRET));
    }

    private static URI url(TickfanServer pod) {
        return URI.create("ws://127.0.0.1:" + pod.port() + "/ws");
    }

    private static boolean await(BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }

    /** Counts opens and subscribe acks, and remembers the pod of the last ack. */
    private static final class Recorder implements ClientListener {
        final AtomicInteger opens = new AtomicInteger();
        final AtomicInteger acks = new AtomicInteger();
        final AtomicInteger failovers = new AtomicInteger();

        @Override
        public void onOpen(TickfanClient client, boolean reconnect) {
            opens.incrementAndGet();
        }

        @Override
        public void onAck(TickfanClient client, ServerMessage ack, boolean epochChanged) {
            if ("subscribe".equals(ack.op)) {
                acks.incrementAndGet();
            }
        }

        @Override
        public void onFailover(TickfanClient client, URI from, URI to) {
            failovers.incrementAndGet();
        }
    }

    @Test
    void shouldMoveToTheOtherPodWhenItsPodIsKilled() throws Exception {
        final String token = Tokens.mint(SECRET, "failover", false, Duration.ofMinutes(10));
        final URI a = url(podA.get());
        final URI b = url(podB.get());
        final Recorder rec = new Recorder();
        try (ClientTransport transport = ClientTransport.create(1, true)) {
            // A backoff far longer than the test: only the failover can bring the client back in time.
            final TickfanClient client = new TickfanClient(
                    transport,
                    ClientOptions.of(List.of(a, b), token).withBackoff(Backoff.exponential(200, 60_000, 2, 0)),
                    rec);
            client.subscribe(List.of("AAA"));
            client.connect();
            assertTrue(await(() -> rec.acks.get() == 1), "subscribed on pod A");
            assertEquals(a, client.uri());

            podA.getAndSet(null).close();

            assertTrue(await(() -> rec.acks.get() == 2 && client.isOpen()), "resubscribed on pod B");
            assertEquals(b, client.uri());
            assertEquals(2, rec.opens.get());
            assertTrue(rec.failovers.get() >= 1);
            client.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldConnectThroughTheSecondUrlWhenTheFirstRefuses() throws Exception {
        final String token = Tokens.mint(SECRET, "failover", false, Duration.ofMinutes(10));
        final URI dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = URI.create("ws://127.0.0.1:" + s.getLocalPort() + "/ws");
        }
        final URI b = url(podB.get());
        final Recorder rec = new Recorder();
        try (ClientTransport transport = ClientTransport.create(1, true)) {
            final TickfanClient client = new TickfanClient(
                    transport,
                    ClientOptions.of(List.of(dead, b), token).withBackoff(Backoff.exponential(60_000, 60_000, 2, 0)),
                    rec);
            client.subscribe(List.of("AAA"));
            client.connect();
            assertTrue(
                    await(() -> rec.acks.get() == 1), "subscribed on the second URL without waiting out the backoff");
            assertEquals(b, client.uri());
            assertEquals(1, rec.failovers.get());
            client.close().await(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldPassAStormDrillWhereOneOfTwoPodsIsKilled() throws Exception {
        final Path dir = reports.resolve("storm-two-pods");
        final CommandLine cl = Loadgen.commandLine();
        ((StormCommand) cl.getSubcommands().get("storm").getCommand()).dropHook =
                () -> podA.getAndSet(null).close();
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        final int code = cl.execute(
                "storm",
                "--url",
                url(podA.get()) + "," + url(podB.get()),
                "--secret",
                SECRET,
                "--threads",
                "2",
                "--report-dir",
                dir.toString(),
                "--clients",
                "60",
                "--symbols",
                "6",
                "--per-client",
                "2",
                "--rate",
                "0",
                "--expect-dropped",
                "30",
                "--backoff",
                "exponential",
                "--backoff-min",
                "100ms",
                "--backoff-max",
                "60s",
                "--reconnect-timeout",
                "30s",
                "--drop-timeout",
                "20s");
        final String out = o.toString() + e;
        assertEquals(0, code, out);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals(Boolean.TRUE, r.get("passed"), out);
        // Client i starts on pod i mod 2: the 30 on pod A drop, move to pod B and resubscribe there.
        assertEquals(30, r.count("storm.dropped"), out);
        assertEquals(30, r.count("storm.reconnected"), out);
        assertEquals(30, r.count("resumes.resubscribed"), out);
        assertTrue(r.count("storm.failovers") >= 30, out);
        assertTrue(r.count("storm.connect_failures_by_cause.refused") >= 30, out);
    }
}
