package io.tickfan.loadgen;

import io.tickfan.client.Backoff;
import io.tickfan.client.ClientTransport;
import io.tickfan.protocol.EpochNanos;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The reconnect-storm drill: connect N clients, have them all dropped at once, and watch them come
 * back under the chosen backoff policy. Reports how long until 50/99/100% were back (from the
 * first drop), connects/s over time, rejects and Retry-After honoured, and how the resumes went.
 */
@Command(
        name = "storm",
        mixinStandardHelpOptions = true,
        header = "Reconnect-storm drill: drop N clients, watch them come back.",
        description =
                "Reconnect-storm drill: connect N clients (K of S symbols each, a slow publisher keeps ticks flowing), drop them all (--drop admin: loadgen calls POST /admin/disconnect on every pod with an admin token minted from --secret, the server stays up and tells each client when to come back with 'retry_ms=N'; --drop external: restart or drain the server yourself once loadgen says 'ready'; --drop command: loadgen runs --drop-command, e.g. a script that restarts the pod), then reconnect with --backoff none (every client retries at once, forever) or exponential (jittered). Reports time to 50/99/100%% reconnected, connects/s over time, rejects (429/503) and Retry-After honoured, resumes with and without gaps, and the server's CPU (with --server-pid).")
final class StormCommand extends BaseCommand {
    enum Drop {
        external,
        command,
        admin
    }

    enum Policy {
        none,
        exponential
    }

    @Mixin
    SubscriberOptions subscribers;

    @Option(
            names = "--rate",
            paramLabel = "R",
            description = "Ticks/s published during the drill (0: no publisher). Default: ${DEFAULT-VALUE}.",
            defaultValue = "20")
    double rate;

    @Option(
            names = "--drop",
            paramLabel = "HOW",
            description = "How the clients get dropped: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            defaultValue = "external")
    Drop drop;

    @Option(
            names = "--drop-command",
            paramLabel = "CMD",
            description = "With --drop command: a shell command that drops every client (e.g. restarts the server).")
    String dropCommand;

    @Option(
            names = "--drop-timeout",
            paramLabel = "DURATION",
            description = "How long to wait for the drop after 'ready'. Default: ${DEFAULT-VALUE}.",
            defaultValue = "60s",
            converter = DurationConverter.class)
    Duration dropTimeout;

    @Option(
            names = "--expect-dropped",
            paramLabel = "N",
            description = "Clients the drop must take down for the drill to count (0: all). With two pods and one"
                    + " killed, about half. Default: ${DEFAULT-VALUE}.",
            defaultValue = "0")
    int expectDropped;

    @Option(
            names = "--reconnect-timeout",
            paramLabel = "DURATION",
            description =
                    "How long after the first drop to wait for every client to be back. Default: ${DEFAULT-VALUE}.",
            defaultValue = "120s",
            converter = DurationConverter.class)
    Duration reconnectTimeout;

    @Option(
            names = "--backoff",
            paramLabel = "POLICY",
            description = "Reconnect policy: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            defaultValue = "exponential")
    Policy backoff;

    @Option(
            names = "--backoff-min",
            paramLabel = "DURATION",
            description = "First delay of the exponential policy. Default: ${DEFAULT-VALUE}.",
            defaultValue = "200ms",
            converter = DurationConverter.class)
    Duration backoffMin;

    @Option(
            names = "--backoff-max",
            paramLabel = "DURATION",
            description = "Largest delay of the exponential policy. Default: ${DEFAULT-VALUE}.",
            defaultValue = "30s",
            converter = DurationConverter.class)
    Duration backoffMax;

    @Option(
            names = "--backoff-factor",
            paramLabel = "X",
            description = "Growth per attempt. Default: ${DEFAULT-VALUE}.",
            defaultValue = "2.0")
    double backoffFactor;

    @Option(
            names = "--backoff-jitter",
            paramLabel = "X",
            description = "Each delay is spread by +/- this fraction of itself, 0..1. Default: ${DEFAULT-VALUE}.",
            defaultValue = "0.5")
    double backoffJitter;

    @Option(
            names = "--sample-interval",
            paramLabel = "DURATION",
            description = "Resolution of the connected-clients timeline. Default: ${DEFAULT-VALUE}.",
            defaultValue = "100ms",
            converter = DurationConverter.class)
    Duration sampleInterval;

    /** Drops every client; set by embedders and tests (takes the place of --drop). */
    Runnable dropHook;

    @Override
    public Integer call() throws Exception {
        subscribers.defaults(1000, 100, 5);
        common.validate(cl());
        subscribers.validate(cl());
        if (drop == Drop.command && (dropCommand == null || dropCommand.isBlank())) {
            throw new picocli.CommandLine.ParameterException(cl(), "--drop command needs --drop-command CMD");
        }
        if (!subscribers.transport.webSocket()) {
            throw new picocli.CommandLine.ParameterException(
                    cl(), "storm drills WebSocket clients: use --transport ws or ws-bin");
        }
        if (drop == Drop.admin && dropHook == null && (common.secret == null || common.secret.isBlank())) {
            throw new picocli.CommandLine.ParameterException(
                    cl(), "--drop admin needs --secret SECRET (loadgen mints the admin token with it)");
        }
        if (rate < 0) {
            throw new picocli.CommandLine.ParameterException(cl(), "--rate must not be negative, got " + rate);
        }
        Checks.positive(cl(), "--drop-timeout", dropTimeout);
        Checks.positive(cl(), "--reconnect-timeout", reconnectTimeout);
        Checks.positive(cl(), "--sample-interval", sampleInterval);
        Checks.atLeast(cl(), "--expect-dropped", expectDropped, 0);
        final Backoff policy;
        try {
            policy = backoff == Policy.none
                    ? Backoff.none()
                    : Backoff.exponential(backoffMin.toMillis(), backoffMax.toMillis(), backoffFactor, backoffJitter);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(cl(), "bad backoff: " + e.getMessage());
        }

        final SymbolPlan plan = subscribers.plan();
        final int n = plan.perClient.length;
        final Path dir = reportDir("storm-" + backoff);
        final Progress progress = newProgress();
        final PublisherOptions pubOptions = new PublisherOptions();
        pubOptions.rate = rate > 0 ? rate : 1.0;
        pubOptions.publishers = 1;
        pubOptions.batch = 100;
        try (ClientTransport transport = newTransport();
                Publisher pub = rate > 0 ? pubOptions.create(transport, common, plan.symbols) : null;
                Fleet fleet = new Fleet(
                        transport,
                        common.urls,
                        common.subscriberTokens(),
                        plan,
                        policy,
                        common.connectionsPerSource,
                        subscribers.maxHz,
                        subscribers.transport,
                        1)) {
            final long timeoutMs = common.connectTimeout.toMillis();
            if (pub != null) {
                pub.connect();
                require(
                        Fleet.await(() -> pub.allOpen() || pub.fatalError.get() != null, timeoutMs, progress)
                                && pub.fatalError.get() == null,
                        "publisher could not connect to " + common.urls + ": "
                                + (pub.fatalError.get() == null ? "timed out" : pub.fatalError.get()));
                pub.prime();
                require(
                        Fleet.await(() -> pub.inFlightBatches() == 0, timeoutMs, progress)
                                && pub.fatalError.get() == null,
                        "priming the symbols failed: "
                                + (pub.fatalError.get() == null ? "timed out" : pub.fatalError.get()));
            }
            final FleetStats s = fleet.stats;
            progress.line(() -> String.format(
                    Locale.ROOT,
                    "open %d/%d  dropped %d  back %d  failures %,d  rejects %,d",
                    s.openNow.get(),
                    n,
                    s.dropped.get(),
                    s.back.get(),
                    s.connectFailures.sum(),
                    s.rejects.sum()));
            progress.say("connecting " + n + " clients to " + common.urls + " (" + transport.name() + ")");
            final double serverConnect0 = CpuClock.processSeconds(common.serverPid);
            final Map<String, CpuClock.ThreadTime> threadsConnect0 = CpuClock.threadSeconds(common.serverPid);
            fleet.connect(subscribers.connectRate, progress);
            require(
                    Fleet.await(
                            () -> fleet.allOpen() && (pub == null ? fleet.allSubscribed() : fleet.allBaselined()),
                            timeoutMs,
                            progress),
                    "clients not ready after " + common.connectTimeout.toSeconds() + " s: " + s.openNow.get() + "/" + n
                            + " open");

            Thread publishing = null;
            if (pub != null) {
                final long startNs = EpochNanos.now();
                s.window(startNs, Long.MAX_VALUE);
                publishing = new Thread(
                        () -> pub.pace(rate, startNs, TimeUnit.HOURS.toNanos(24), startNs, Long.MAX_VALUE),
                        "loadgen-publisher");
                publishing.setDaemon(true);
                publishing.start();
            }
            final Sampler sampler =
                    new Sampler(s, sampleInterval.toMillis(), progress, common.serverPid, dir.resolve("latency.hlog"));
            sampler.start();
            final double cpu0 = CpuClock.selfSeconds();
            final double server0 = CpuClock.processSeconds(common.serverPid);
            final Map<String, CpuClock.ThreadTime> threads0 = CpuClock.threadSeconds(common.serverPid);
            final long gaps0 = s.gaps.sum();
            final long missing0 = s.missing.sum();
            final long dup0 = s.duplicates.sum();
            final long resets0 = s.resets.sum();
            final long failures0 = s.connectFailures.sum();
            final long rejects0 = s.rejects.sum();
            final long honoured0 = s.retryAfterHonoured.sum();
            final long opens0 = s.opens.sum();
            final long failovers0 = s.failovers.sum();
            final Map<String, Long> failureCauses0 = FleetStats.snapshot(s.connectFailuresByCause);
            final AdminTrigger trigger = dropHook == null && drop == Drop.admin
                    ? new AdminTrigger(common.urls, Tokens.mintAdmin(common.secret, Duration.ofMinutes(10)))
                    : null;
            if (trigger != null) {
                final String notPrepared = trigger.prepare();
                if (notPrepared != null) {
                    progress.say("admin trigger not prepared (trying anyway): " + notPrepared);
                }
            }
            final KernelCounters kernel0 = KernelCounters.read();
            s.arm();
            final long readyNs = EpochNanos.now();
            final AtomicReference<String> dropError = new AtomicReference<>();
            progress.say("ready: " + n + " clients open; dropping them (" + (dropHook != null ? "hook" : drop) + ")");
            startDrop(trigger, dropError);

            final int mustDrop = expectDropped > 0 ? Math.min(expectDropped, n) : n;
            Fleet.await(() -> s.dropped.get() >= mustDrop, dropTimeout.toMillis(), progress);
            require(
                    s.dropped.get() > 0,
                    "no client was dropped within " + dropTimeout.toSeconds() + " s"
                            + (dropError.get() == null ? "" : ": " + dropError.get()));
            // Back means reconnected AND resubscribed: a socket without its symbols sees nothing.
            // The timeout runs from the first drop, like t100.
            final long firstDropNs = s.firstDropNs();
            final long waitMs = Math.max(
                    0, reconnectTimeout.toMillis() - TimeUnit.NANOSECONDS.toMillis(EpochNanos.now() - firstDropNs));
            Fleet.await(
                    () -> s.back.get() >= s.dropped.get() && s.resumeAcks.sum() >= s.dropped.get(), waitMs, progress);
            final int dropped = s.dropped.get();
            if (publishing != null) {
                pub.stop();
                publishing.join(5000);
            }
            sampler.close();
            final double cpu1 = CpuClock.selfSeconds();
            final double server1 = CpuClock.processSeconds(common.serverPid);
            final Map<String, CpuClock.ThreadTime> threads1 = CpuClock.threadSeconds(common.serverPid);
            final Map<String, Object> kernel = KernelCounters.read().since(kernel0);

            final long[] dropTimes = new long[n];
            final List<Long> backAfter = new ArrayList<>();
            long firstDrop = Long.MAX_VALUE;
            long lastDrop = 0;
            for (int i = 0; i < n; i++) {
                dropTimes[i] = s.droppedAt(i);
                if (dropTimes[i] != 0) {
                    firstDrop = Math.min(firstDrop, dropTimes[i]);
                    lastDrop = Math.max(lastDrop, dropTimes[i]);
                }
            }
            for (int i = 0; i < n; i++) {
                final long backAt = s.backAt(i);
                if (dropTimes[i] != 0 && backAt != 0) {
                    backAfter.add(backAt - firstDrop);
                }
            }
            final long[] sorted = backAfter.stream().mapToLong(Long::longValue).toArray();
            Arrays.sort(sorted);
            final double elapsedS = (EpochNanos.now() - readyNs) / 1e9;
            final Map<String, Object> cpu = cpu(cpu0, cpu1, server0, server1, elapsedS);
            if (common.serverPid > 0) {
                // The server's CPU by thread role, for the connect wave (first upgrades and
                // subscribes, up to "ready") and for the storm (closes, re-upgrades, resubscribes).
                cpu.put("server_connect_cpu_s", server0 - serverConnect0);
                cpu.put("server_threads_connect_s", CpuClock.byRole(threadsConnect0, threads0));
                cpu.put("server_threads_s", CpuClock.byRole(threads0, threads1));
            }
            final List<Sampler.Sample> samples = sampler.samples();
            // Over windows of at least one sample interval: a late sample followed by a prompt one
            // would otherwise divide a burst by a few microseconds (seen on a loaded machine).
            double peakConnectsPerS = 0;
            final double windowS = sampleInterval.toMillis() / 1000.0;
            for (int i = 1, j = 0; i < samples.size(); i++) {
                while (j + 1 < i && samples.get(i).tSec() - samples.get(j + 1).tSec() >= windowS) {
                    j++;
                }
                final double dt = samples.get(i).tSec() - samples.get(j).tSec();
                if (dt >= windowS) {
                    peakConnectsPerS = Math.max(
                            peakConnectsPerS,
                            (samples.get(i).opens() - samples.get(j).opens()) / dt);
                }
            }
            final long gaps = s.gaps.sum() - gaps0;
            final long duplicates = s.duplicates.sum() - dup0;
            final int back = sorted.length;
            final long timeoutNs = reconnectTimeout.toNanos();
            int backInTime = 0;
            for (long t : sorted) {
                backInTime += t <= timeoutNs ? 1 : 0;
            }
            final StormVerdict verdict = new StormVerdict(
                    n, mustDrop, dropped, backInTime, s.resumeAcks.sum(), s.openNow.get(), gaps, duplicates);
            final List<String> failures = verdict.failures();
            // Judged on the final counts: a drop that took longer than --drop-timeout but completed
            // is slow, not failed (and a missing drop is named in the failures).
            final boolean passed = failures.isEmpty();

            final Map<String, Object> report = map();
            report.put("command", "storm");
            report.put("transport", transport.name());
            final Map<String, Object> setup = map();
            setup.put("urls", common.urls.stream().map(Object::toString).toList());
            setup.put("clients", n);
            setup.put("symbols", plan.symbols.length);
            setup.put("per_client", subscribers.perClient);
            setup.put("source_addresses", fleet.sourceAddresses);
            setup.put("publish_rate", rate);
            setup.put("backoff", backoff.name());
            if (backoff == Policy.exponential) {
                setup.put("backoff_min_ms", backoffMin.toMillis());
                setup.put("backoff_max_ms", backoffMax.toMillis());
                setup.put("backoff_factor", backoffFactor);
                setup.put("backoff_jitter", backoffJitter);
            }
            setup.put("drop", dropHook != null ? "hook" : drop.name());
            report.put("setup", setup);
            final Map<String, Object> storm = map();
            storm.put("dropped", dropped);
            storm.put("reconnected", back);
            storm.put("not_reconnected", dropped - back);
            storm.put("drop_spread_ms", dropped == 0 ? 0.0 : (lastDrop - firstDrop) / 1e6);
            // From "ready" (the drop started) to the first client that saw its connection end.
            storm.put("first_drop_after_ready_ms", dropped == 0 ? null : (firstDrop - readyNs) / 1e6);
            if (trigger != null) {
                // Before "ready": the cold HTTP client's cost, paid before the drill's clock starts.
                storm.put("admin_prepare_ms", trigger.prepareNs() / 1e6);
            }
            if (trigger != null && trigger.sentNs() != 0) {
                storm.put(
                        "admin_request_ms",
                        trigger.answeredNs() == 0 ? null : (trigger.answeredNs() - trigger.sentNs()) / 1e6);
                storm.put("first_drop_after_request_ms", dropped == 0 ? null : (firstDrop - trigger.sentNs()) / 1e6);
            }
            storm.put("t50_ms", quantileMs(sorted, dropped, 0.50));
            storm.put("t99_ms", quantileMs(sorted, dropped, 0.99));
            storm.put("t100_ms", quantileMs(sorted, dropped, 1.0));
            storm.put("peak_connects_per_s", peakConnectsPerS);
            storm.put("connects", s.opens.sum() - opens0);
            storm.put("connect_failures", s.connectFailures.sum() - failures0);
            storm.put(
                    "connect_failures_by_cause",
                    FleetStats.since(FleetStats.snapshot(s.connectFailuresByCause), failureCauses0));
            storm.put("failovers", s.failovers.sum() - failovers0);
            storm.put("rejects", s.rejects.sum() - rejects0);
            storm.put("rejects_by_status", RunCommand.counts(s.rejectsByStatus));
            storm.put("errors_by_code", RunCommand.counts(s.errorsByCode));
            storm.put("retry_after_honoured", s.retryAfterHonoured.sum() - honoured0);
            report.put("storm", storm);
            final Map<String, Object> resumes = map();
            resumes.put("resubscribed", s.resumeAcks.sum());
            resumes.put("not_resubscribed", Math.max(0, dropped - s.resumeAcks.sum()));
            resumes.put("not_resubscribed_clients", s.notResubscribed(20));
            resumes.put("with_gaps", s.resumesWithGaps.get());
            resumes.put("gap_free", s.resumeAcks.sum() - s.resumesWithGaps.get());
            resumes.put("replayed_ticks", s.replayed.sum());
            resumes.put("epoch_changes", s.epochChanges.sum());
            resumes.put("resets", s.resets.sum() - resets0);
            resumes.put("gaps", gaps);
            resumes.put("missing", s.missing.sum() - missing0);
            resumes.put("duplicates", duplicates);
            report.put("resumes", resumes);
            if (pub != null) {
                // The feed's side of the drop: while it is away nobody gets a tick to replay.
                report.put("publisher", pub.counts());
            }
            report.put("latency", Report.latency(s.latency.total()));
            report.put("cpu", cpu);
            report.put("kernel", kernel);
            report.put("failures", failures);

            final StringBuilder sum = new StringBuilder();
            sum.append(String.format(
                    Locale.ROOT,
                    "tickfan loadgen storm: %d clients x %d of %d symbols, backoff %s, publisher %.0f ticks/s, %s%n",
                    n,
                    subscribers.perClient,
                    plan.symbols.length,
                    backoff == Policy.none
                            ? "none"
                            : String.format(
                                    Locale.ROOT,
                                    "exponential(min %d ms, max %d ms, x%.1f, +/-%.0f%%)",
                                    backoffMin.toMillis(),
                                    backoffMax.toMillis(),
                                    backoffFactor,
                                    backoffJitter * 100),
                    rate,
                    transport.name()));
            sum.append(String.format(
                    Locale.ROOT,
                    "dropped %d (first %s after ready, spread %.0f ms)  reconnected %d  not reconnected %d%n",
                    dropped,
                    fmt(storm.get("first_drop_after_ready_ms")),
                    (Double) storm.get("drop_spread_ms"),
                    back,
                    dropped - back));
            sum.append(String.format(
                    Locale.ROOT,
                    "time to reconnect from first drop: 50%% %s  99%% %s  100%% %s%n",
                    fmt(storm.get("t50_ms")),
                    fmt(storm.get("t99_ms")),
                    fmt(storm.get("t100_ms"))));
            sum.append(String.format(
                    Locale.ROOT,
                    "connects %,d (peak %,.0f/s)  failed attempts %,d %s  failovers %,d  rejects %,d %s  Retry-After honoured %,d%n",
                    (Long) storm.get("connects"),
                    peakConnectsPerS,
                    (Long) storm.get("connect_failures"),
                    storm.get("connect_failures_by_cause"),
                    (Long) storm.get("failovers"),
                    (Long) storm.get("rejects"),
                    storm.get("rejects_by_status"),
                    (Long) storm.get("retry_after_honoured")));
            sum.append(String.format(
                    Locale.ROOT,
                    "resumes: resubscribed %,d (gap-free %,d, with gaps or resets %,d, replayed ticks %,d)  epoch changes %,d (server state lost)  resets %,d  gaps %,d (missing %,d)  duplicates %,d%n",
                    s.resumeAcks.sum(),
                    s.resumeAcks.sum() - s.resumesWithGaps.get(),
                    s.resumesWithGaps.get(),
                    s.replayed.sum(),
                    s.epochChanges.sum(),
                    s.resets.sum() - resets0,
                    gaps,
                    s.missing.sum() - missing0,
                    duplicates));
            if (pub != null) {
                sum.append(String.format(
                        Locale.ROOT,
                        "publisher: reconnects %,d  longest away %.0f ms  ticks not sent while away %,d%n",
                        pub.reconnects.sum(),
                        pub.longestAwayNs.get() / 1e6,
                        pub.notConnected.sum()));
            }
            if (!s.errorsByCode.isEmpty()) {
                sum.append("server errors by code: ")
                        .append(storm.get("errors_by_code"))
                        .append('\n');
            }
            sum.append(KernelCounters.line(kernel));
            sum.append(cpuLine(cpu));
            if (common.serverPid > 0) {
                sum.append("server cpu by thread: connect wave ")
                        .append(cpu.get("server_threads_connect_s"))
                        .append("  storm ")
                        .append(cpu.get("server_threads_s"))
                        .append('\n');
            }
            final List<String> notResubscribed = s.notResubscribed(20);
            if (!notResubscribed.isEmpty()) {
                sum.append("not resubscribed: ")
                        .append(String.join("; ", notResubscribed))
                        .append('\n');
            }
            if (!failures.isEmpty()) {
                sum.append("failed: ").append(String.join("; ", failures)).append('\n');
            }
            return finish(
                    dir,
                    "tickfan loadgen storm (backoff " + backoff + ")",
                    report,
                    samples,
                    true,
                    sum.toString(),
                    passed);
        }
    }

    /** A drill that fails exits non-zero, with or without --strict. */
    @Override
    boolean failedRunExitsNonZero() {
        return true;
    }

    private void startDrop(AdminTrigger trigger, AtomicReference<String> error) {
        final Runnable action;
        if (dropHook != null) {
            action = dropHook;
        } else if (trigger != null) {
            action = () -> {
                final String result = trigger.disconnectAll();
                if (result != null) {
                    error.set(result);
                }
            };
        } else if (drop == Drop.command) {
            action = () -> {
                try {
                    final Process p = new ProcessBuilder("sh", "-c", dropCommand)
                            .inheritIO()
                            .start();
                    final int code = p.waitFor();
                    if (code != 0) {
                        error.set("--drop-command exited with " + code);
                    }
                } catch (Exception e) {
                    error.set("--drop-command failed: " + e.getMessage());
                }
            };
        } else {
            return;
        }
        final Thread t = new Thread(
                () -> {
                    try {
                        action.run();
                    } catch (RuntimeException e) {
                        error.set(e.toString());
                    }
                },
                "loadgen-drop");
        t.setDaemon(true);
        t.start();
    }

    private static Double quantileMs(long[] sortedBackNs, int dropped, double q) {
        if (dropped == 0) {
            return null;
        }
        final int rank = (int) Math.ceil(q * dropped) - 1;
        if (rank >= sortedBackNs.length) {
            return null;
        }
        return sortedBackNs[Math.max(0, rank)] / 1e6;
    }

    private static String fmt(Object ms) {
        return ms == null ? "never" : String.format(Locale.ROOT, "%.0f ms", (Double) ms);
    }
}
