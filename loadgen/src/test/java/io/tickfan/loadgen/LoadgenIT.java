package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CLI against a real server started in-process on port 0. Client counts and durations are
 * kept small: the machine is shared.
 */
@Timeout(300)
class LoadgenIT {
    private static final String SECRET = "loadgen-it-secret";

    private final AtomicReference<TickfanServer> server = new AtomicReference<>();
    private ServerConfig config;
    private String out;
    private String err;

    @TempDir
    Path reports;

    @BeforeEach
    void startServer() throws Exception {
        startServerWith(ServerConfig.defaults()
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_ENABLED, false)
                .with(ServerConfig.AUTH_HS256_SECRET, SECRET));
    }

    private void startServerWith(ServerConfig c) throws Exception {
        server.set(TickfanServer.start(c));
        config = c.with(ServerConfig.PORT, server.get().port());
    }

    @AfterEach
    void stopServer() {
        final TickfanServer s = server.getAndSet(null);
        if (s != null) {
            s.close();
        }
    }

    private String url() {
        return "ws://127.0.0.1:" + config.integer(ServerConfig.PORT) + "/ws";
    }

    private int run(CommandLine cl, String... args) {
        final StringWriter o = new StringWriter();
        final StringWriter e = new StringWriter();
        cl.setOut(new PrintWriter(o));
        cl.setErr(new PrintWriter(e));
        final int code = cl.execute(args);
        out = o.toString();
        err = e.toString();
        return code;
    }

    private String[] args(String command, Path dir, String... more) {
        final List<String> a = new ArrayList<>(
                List.of(command, "--url", url(), "--secret", SECRET, "--threads", "2", "--report-dir", dir.toString()));
        a.addAll(List.of(more));
        return a.toArray(new String[0]);
    }

    @Test
    void shouldCountEveryTickAndReportNoGaps() throws Exception {
        final Path dir = reports.resolve("run");
        final int code = run(
                Loadgen.commandLine(),
                args(
                        "run",
                        dir,
                        "--clients",
                        "200",
                        "--symbols",
                        "20",
                        "--per-client",
                        "3",
                        "--rate",
                        "1000",
                        "--warmup",
                        "1s",
                        "--duration",
                        "3s",
                        "--p99-budget",
                        "10s",
                        "--strict"));
        assertEquals(0, code, out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        final long expected = r.count("deliveries.expected");
        // 3 s at 1000 ticks/s over 20 symbols, 30 subscribers per symbol on average: about 90,000.
        assertTrue(expected > 80_000 && expected < 100_000, "expected " + expected);
        assertEquals(expected, r.count("deliveries.received"), out);
        assertEquals(0, r.count("seq.gaps"), out);
        assertEquals(0, r.count("seq.duplicates"), out);
        assertEquals(600, r.count("seq.snapshots"), "one snapshot per subscription");
        assertEquals(expected, r.count("latency.count"));
        assertTrue(r.num("latency.p50_ms") > 0 && r.num("latency.max_ms") >= r.num("latency.p99_ms"));
        assertEquals(Boolean.TRUE, r.get("passed"));
        assertTrue(out.contains("latency: p50") && out.contains("verdict: PASS"), out);
        assertTrue(Files.size(dir.resolve("latency.hlog")) > 0);
        assertTrue(Files.readString(dir.resolve("report.html")).contains("<svg"));
        assertTrue(err.contains("open 200"), "progress line while running: " + err);
    }

    @Test
    void shouldSpreadALoopbackFleetOverSourceAddresses() throws Exception {
        // The server sees the fleet from 127.0.0.1-127.0.0.4: 40 connections, at most 10 per address.
        final Set<String> seen = ConcurrentHashMap.newKeySet();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread sampler = new Thread(() -> {
            while (running.get()) {
                for (Channel ch : server.get().context().connections) {
                    if (ch.remoteAddress() instanceof InetSocketAddress a) {
                        seen.add(a.getAddress().getHostAddress());
                    }
                }
                LockSupport.parkNanos(20_000_000);
            }
        });
        sampler.start();
        final Path dir = reports.resolve("sources");
        final int code;
        try {
            code = run(
                    Loadgen.commandLine(),
                    args(
                            "run",
                            dir,
                            "--clients",
                            "40",
                            "--symbols",
                            "4",
                            "--per-client",
                            "2",
                            "--rate",
                            "200",
                            "--warmup",
                            "1s",
                            "--duration",
                            "2s",
                            "--p99-budget",
                            "10s",
                            "--connections-per-source",
                            "10",
                            "--strict"));
        } finally {
            running.set(false);
            sampler.join();
        }
        assertEquals(0, code, out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals(4, r.count("setup.source_addresses"));
        assertEquals(r.count("deliveries.expected"), r.count("deliveries.received"), out);
        assertTrue(
                seen.containsAll(Set.of("127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4")),
                "source addresses the server saw: " + seen);
    }

    @Test
    void shouldReportGapsInjectedThroughPublisherSequenceNumbers() throws Exception {
        final Path dir = reports.resolve("gaps");
        final int code = run(
                Loadgen.commandLine(),
                args(
                        "run",
                        dir,
                        "--clients",
                        "50",
                        "--symbols",
                        "5",
                        "--per-client",
                        "1",
                        "--rate",
                        "500",
                        "--warmup",
                        "500ms",
                        "--duration",
                        "2s",
                        "--own-seq",
                        "--seq-start",
                        "1000",
                        "--seq-hole-every",
                        "40",
                        "--strict"));
        assertEquals(3, code, "gaps fail the run under --strict: " + out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        final long holes = r.count("publisher.holes_made");
        assertTrue(holes > 0, "holes made");
        // Each symbol has 10 subscribers; every hole is seen by each of them as a gap of exactly one.
        assertEquals(holes * 10, r.count("seq.gaps"), out);
        assertEquals(holes * 10, r.count("seq.missing"), out);
        assertEquals(r.count("deliveries.expected"), r.count("deliveries.received"), "no tick was lost, only numbers");
        assertEquals(Boolean.FALSE, r.get("passed"));
        assertTrue(out.contains("verdict: FAIL"), out);
    }

    @Test
    void shouldMeasureWithSeparateSubscribeAndPublishCommands() throws Exception {
        final Path subDir = reports.resolve("sub");
        final Path pubDir = reports.resolve("pub");
        final AtomicReference<Integer> pubCode = new AtomicReference<>();
        final StringWriter pubOut = new StringWriter();
        final Thread publisher = new Thread(() -> {
            final CommandLine cl = Loadgen.commandLine();
            cl.setOut(new PrintWriter(pubOut));
            cl.setErr(new PrintWriter(new StringWriter()));
            pubCode.set(cl.execute(
                    args("publish", pubDir, "--symbols", "4", "--rate", "400", "--duration", "4s", "--quiet")));
        });
        publisher.start();
        final int code = run(
                Loadgen.commandLine(),
                args(
                        "subscribe",
                        subDir,
                        "--clients",
                        "40",
                        "--symbols",
                        "4",
                        "--per-client",
                        "2",
                        "--warmup",
                        "1s",
                        "--duration",
                        "2s",
                        "--drain",
                        "500ms",
                        "--p99-budget",
                        "10s"));
        publisher.join(30_000);
        assertEquals(0, code, out + err);
        assertEquals(0, pubCode.get(), pubOut.toString());
        final Json sub = Json.read(subDir.resolve("report.json"));
        // 2 s of 400 ticks/s over 4 symbols, 20 subscribers per symbol: about 16,000.
        final long received = sub.count("deliveries.received");
        assertTrue(received > 12_000 && received < 20_000, "received " + received);
        assertEquals(0, sub.count("seq.gaps"));
        final Json pub = Json.read(pubDir.resolve("report.json"));
        assertEquals(pub.count("publisher.sent"), pub.count("publisher.accepted"));
        assertTrue(pub.count("publisher.accepted") >= 1500, pubOut.toString());
    }

    @Test
    void shouldCompleteStormWithoutBackoff() throws Exception {
        storm("none");
    }

    @Test
    void shouldCompleteStormWithJitteredExponentialBackoff() throws Exception {
        storm("exponential");
    }

    private void storm(String policy) throws Exception {
        final Path dir = reports.resolve("storm-" + policy);
        final CommandLine cl = Loadgen.commandLine();
        final int port = config.integer(ServerConfig.PORT);
        ((StormCommand) cl.getSubcommands().get("storm").getCommand()).dropHook = () -> {
            server.getAndSet(null).close();
            try {
                server.set(TickfanServer.start(config.with(ServerConfig.PORT, port)));
            } catch (Exception e) {
                throw new IllegalStateException("restart failed", e);
            }
        };
        final int code = run(
                cl,
                args(
                        "storm",
                        dir,
                        "--clients",
                        "300",
                        "--symbols",
                        "20",
                        "--per-client",
                        "2",
                        "--rate",
                        "50",
                        "--backoff",
                        policy,
                        "--backoff-max",
                        "2s",
                        "--reconnect-timeout",
                        "90s",
                        "--drop-timeout",
                        "60s",
                        "--strict"));
        assertEquals(0, code, out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals(300, r.count("storm.dropped"), out);
        assertEquals(300, r.count("storm.reconnected"), out);
        assertEquals(0, r.count("storm.not_reconnected"));
        final double t50 = r.num("storm.t50_ms");
        final double t99 = r.num("storm.t99_ms");
        final double t100 = r.num("storm.t100_ms");
        assertTrue(0 < t50 && t50 <= t99 && t99 <= t100 && t100 < 90_000, out);
        assertTrue(r.num("storm.peak_connects_per_s") > 0, out);
        assertTrue(r.count("storm.connects") >= 300, out);
        // The restarted server has a new epoch: every client notices and drops its stale cursors.
        assertEquals(300, r.count("resumes.epoch_changes"), out);
        assertEquals(0, r.count("resumes.not_resubscribed"), out);
        assertFalse(r.isNull("kernel.listen_overflows"), out);
        assertEquals(300, r.count("resumes.resubscribed"), out);
        assertEquals(0, r.count("resumes.gaps"), out);
        assertEquals(0, r.count("resumes.duplicates"), out);
        if (policy.equals("exponential")) {
            // Jitter spreads the herd: the first client is back no sooner than min delay minus jitter.
            assertTrue(t50 >= 100, "jittered backoff waits at least ~100 ms: " + out);
        }
        assertFalse(r.isNull("storm.t100_ms"));
        assertTrue(Files.readString(dir.resolve("report.html")).contains("Connected clients"));
    }

    @Test
    void shouldCountEveryTickOverSseOnHttp2WithManyStreamsPerConnection() throws Exception {
        sseRun("sse-h2", 300);
    }

    @Test
    void shouldCountEveryTickOverSseOnHttp1() throws Exception {
        sseRun("sse-h1", 100);
    }

    @Test
    void shouldCountEveryTickOverWebSocketWithBinaryTicks() throws Exception {
        sseRun("ws-bin", 200);
    }

    private void sseRun(String transport, int clients) throws Exception {
        // These count what loadgen reads; a machine busy enough to hold loadgen back for a second
        // (a CI run beside other work) must not make the server conflate it as a stalled reader.
        stopServer();
        startServerWith(ServerConfig.defaults()
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_ENABLED, false)
                .with(ServerConfig.AUTH_HS256_SECRET, SECRET)
                .with(ServerConfig.LAG_CONFLATE_MS, 10_000));
        final Path dir = reports.resolve(transport);
        final int code = run(
                Loadgen.commandLine(),
                args(
                        "run",
                        dir,
                        "--transport",
                        transport,
                        "--streams-per-connection",
                        "100",
                        "--clients",
                        Integer.toString(clients),
                        "--symbols",
                        "20",
                        "--per-client",
                        "3",
                        "--rate",
                        "500",
                        "--warmup",
                        "1s",
                        "--duration",
                        "2s",
                        "--p99-budget",
                        "10s",
                        "--strict"));
        assertEquals(0, code, out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals(transport, r.get("subscriber_transport"));
        final long expected = r.count("deliveries.expected");
        assertTrue(expected > 0, out);
        assertEquals(expected, r.count("deliveries.received"), out);
        assertEquals(0, r.count("seq.gaps"), out);
        assertEquals(0, r.count("seq.duplicates"), out);
        assertEquals(clients * 3L, r.count("seq.snapshots"), "one snapshot per subscription: " + out);
        assertEquals(expected, r.count("latency.count"));
        assertEquals(Boolean.TRUE, r.get("passed"));
    }

    @Test
    void shouldCountEveryTickForHealthyClientsWhileOthersStopReading() throws Exception {
        final Path dir = reports.resolve("stalled");
        final int code = run(
                Loadgen.commandLine(),
                args(
                        "run",
                        dir,
                        "--clients",
                        "100",
                        "--stalled-clients",
                        "20",
                        "--symbols",
                        "5",
                        "--per-client",
                        "2",
                        "--rate",
                        "1000",
                        "--warmup",
                        "1s",
                        "--duration",
                        "2s",
                        "--p99-budget",
                        "10s",
                        "--strict"));
        assertEquals(0, code, out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals(20, r.count("setup.stalled_clients"));
        final long expected = r.count("deliveries.expected");
        // 2 s measured at 1000 ticks/s over 5 symbols, 40 healthy subscribers per symbol: about 80,000.
        assertTrue(expected > 60_000, out);
        assertEquals(expected, r.count("deliveries.received"), out);
        assertEquals(0, r.count("seq.gaps"), out);
        assertEquals(0, r.count("seq.conflated"), "healthy clients are never conflated: " + out);
    }

    @Test
    void shouldConnectWithADistinctTokenPerClientAndReportUpgradeRate() throws Exception {
        final Path dir = reports.resolve("distinct");
        final int code = run(
                Loadgen.commandLine(),
                args(
                        "subscribe",
                        dir,
                        "--clients",
                        "50",
                        "--symbols",
                        "2",
                        "--per-client",
                        "1",
                        "--distinct-tokens",
                        "--duration",
                        "1s"));
        assertEquals(0, code, out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals("HS256", r.get("distinct_tokens"));
        assertTrue(r.num("upgrades_per_s") > 0, out);
        assertEquals(50, r.count("connections.opens"), out);
        assertTrue(out.contains("distinct HS256 tokens"), out);
    }

    @Test
    void shouldRefuseDistinctRs256TokensWithoutAKey() {
        final int code = run(
                Loadgen.commandLine(),
                args("subscribe", reports.resolve("nokey"), "--distinct-tokens", "--sign-alg", "RS256"));
        assertEquals(2, code, out + err);
        assertTrue(err.contains("needs --sign-key"), err);
    }

    @Test
    void shouldRejectUnknownTransport() {
        final int code =
                run(Loadgen.commandLine(), args("subscribe", reports.resolve("bad"), "--transport", "carrier-pigeon"));
        assertEquals(2, code, out + err);
        assertTrue(err.contains("sse-h2"), err);
    }

    @Test
    void shouldDropThroughAdminDisconnectAndResumeWithGapFreeReplays() throws Exception {
        stopServer();
        config = config.with(ServerConfig.PORT, 0).with(ServerConfig.DRAIN_WINDOW_MS, 2000);
        startServerWith(config);
        final Path dir = reports.resolve("storm-admin");
        final int code = run(
                Loadgen.commandLine(),
                args(
                        "storm",
                        dir,
                        "--clients",
                        "300",
                        "--symbols",
                        "20",
                        "--per-client",
                        "2",
                        "--rate",
                        "200",
                        "--drop",
                        "admin",
                        "--backoff",
                        "exponential",
                        "--backoff-max",
                        "2s",
                        "--reconnect-timeout",
                        "90s",
                        "--drop-timeout",
                        "60s",
                        "--strict"));
        assertEquals(0, code, out + err);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals("admin", r.get("setup.drop"));
        assertEquals(300, r.count("storm.dropped"), out);
        assertEquals(300, r.count("storm.reconnected"), out);
        // Every close carried "retry_ms=N" and every client waited at least that long.
        assertTrue(r.count("storm.retry_after_honoured") >= 300, out);
        // The trigger's client was made and connected before "ready" (its cost is reported, not
        // counted in the drop), and the first drop followed the request.
        assertTrue(r.num("storm.admin_prepare_ms") > 0, out);
        assertTrue(r.num("storm.admin_request_ms") > 0, out);
        assertTrue(r.num("storm.first_drop_after_request_ms") > 0, out);
        assertTrue(r.num("storm.first_drop_after_ready_ms") >= r.num("storm.first_drop_after_request_ms"), out);
        // The server kept its history: same epoch, every resume is an exact replay.
        assertEquals(0, r.count("resumes.epoch_changes"), out);
        assertEquals(300, r.count("resumes.resubscribed"), out);
        assertEquals(List.of(), r.get("resumes.not_resubscribed_clients"), out);
        assertEquals(300, r.count("resumes.gap_free"), out);
        assertEquals(0, r.count("resumes.with_gaps"), out);
        assertEquals(0, r.count("resumes.resets"), out);
        assertEquals(0, r.count("resumes.gaps"), out);
        assertEquals(0, r.count("resumes.duplicates"), out);
        assertTrue(r.count("resumes.replayed_ticks") > 0, "ticks sent while away came back by replay: " + out);
        // The publisher was dropped too and came back on its backoff (50 ms, doubling), not at a
        // moment drawn over the 2 s window.
        assertTrue(r.count("publisher.reconnects") >= 1, out);
        assertTrue(r.num("publisher.longest_away_ms") < 1000, out);
    }

    @Test
    void shouldExitNonZeroWithoutStrictWhenDroppedClientsNeverComeBack() throws Exception {
        final Path dir = reports.resolve("storm-lost");
        final CommandLine cl = Loadgen.commandLine();
        // The server goes away for good: every reconnect is refused, the drill must fail.
        ((StormCommand) cl.getSubcommands().get("storm").getCommand()).dropHook =
                () -> server.getAndSet(null).close();
        final int code = run(
                cl,
                args(
                        "storm",
                        dir,
                        "--clients",
                        "40",
                        "--symbols",
                        "4",
                        "--per-client",
                        "1",
                        "--rate",
                        "0",
                        "--backoff",
                        "exponential",
                        "--backoff-min",
                        "50ms",
                        "--backoff-max",
                        "300ms",
                        "--reconnect-timeout",
                        "3s",
                        "--drop-timeout",
                        "60s"));
        assertEquals(Loadgen.EXIT_FAILED_CHECKS, code, out + err);
        assertTrue(out.contains("verdict: FAIL") && out.contains("did not reconnect"), out);
        final Json r = Json.read(dir.resolve("report.json"));
        assertEquals(Boolean.FALSE, r.get("passed"));
        assertEquals(40, r.count("storm.not_reconnected"), out);
        assertEquals(40, r.count("resumes.not_resubscribed"), out);
        assertTrue(r.count("storm.connect_failures") >= 40, out);
        assertTrue(r.count("storm.connect_failures_by_cause.refused") >= 40, out);
        // Refused loopback connects are failed attempts to the kernel too (a machine-wide counter).
        assertTrue(r.count("kernel.attempt_fails") >= 40, out);
        assertFalse(r.isNull("kernel.listen_overflows"), out);
        assertFalse(r.isNull("kernel.syn_retrans"), out);
        assertTrue(out.contains("kernel (machine-wide): listen overflows"), out);
    }

    @Test
    void shouldRefuseAdminDropWithoutSecret() {
        final int code = run(
                Loadgen.commandLine(),
                "storm",
                "--url",
                url(),
                "--token",
                "x.y.z",
                "--drop",
                "admin",
                "--report-dir",
                reports.resolve("no-secret").toString());
        assertEquals(2, code, out + err);
        assertTrue(err.contains("--drop admin needs --secret"), err);
    }

    @Test
    void shouldFailWithExitOneWhenServerIsUnreachable() {
        final int code = run(
                Loadgen.commandLine(),
                "publish",
                "--secret",
                SECRET,
                "--quiet",
                "--url",
                "ws://127.0.0.1:1/ws",
                "--connect-timeout",
                "300ms",
                "--report-dir",
                reports.resolve("unreachable").toString());
        assertEquals(1, code, err);
        assertTrue(err.contains("publisher could not connect") && err.contains("timed out"), err);
    }

    @Test
    void shouldStopWithClearMessageWhenTokenLacksPublisherRole() {
        final String subscriberOnly = Tokens.mint(SECRET, "x", false, java.time.Duration.ofMinutes(5));
        final int code = run(
                Loadgen.commandLine(),
                "run",
                "--url",
                url(),
                "--token",
                subscriberOnly,
                "--quiet",
                "--clients",
                "2",
                "--report-dir",
                reports.resolve("forbidden").toString());
        assertEquals(1, code, err);
        assertTrue(err.contains("forbidden"), err);
    }

    @Test
    void shouldStopStormWithClearMessageWhenTokenLacksPublisherRole() {
        // The publish refusal must stop the storm at priming, not leave it waiting for baselines
        // of symbols nobody published ("clients not ready after 20 s").
        final String subscriberOnly = Tokens.mint(SECRET, "x", false, java.time.Duration.ofMinutes(5));
        final int code = run(
                Loadgen.commandLine(),
                "storm",
                "--url",
                url(),
                "--token",
                subscriberOnly,
                "--quiet",
                "--clients",
                "2",
                "--rate",
                "10",
                "--connect-timeout",
                "20s",
                "--report-dir",
                reports.resolve("storm-forbidden").toString());
        assertEquals(1, code, err);
        assertTrue(err.contains("priming the symbols failed") && err.contains("forbidden"), err);
    }
}
