package io.tickfan.loadgen;

import io.tickfan.client.Backoff;
import io.tickfan.client.ClientTransport;
import io.tickfan.protocol.EpochNanos;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Publisher and subscribers in one process: prime every symbol, connect and subscribe the fleet,
 * publish at the target rate for warm-up plus duration, then compare what arrived with what was
 * accepted times the subscribers of each symbol.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        header = "Publisher and subscribers in one process (presets: broadcast, market).",
        description =
                "Publish and subscribe in one process for a fixed duration after a warm-up; report latency, deliveries/s, expected vs received, gaps. Presets: broadcast = 1 symbol to N clients (default 1000 clients, 1000 ticks/s); market = S symbols, K per client (default 2000 clients, 10 of 500 symbols, 10000 ticks/s). Explicit options override a preset's values.")
final class RunCommand extends BaseCommand {
    enum Preset {
        broadcast,
        market,
        custom
    }

    @Option(
            names = "--preset",
            paramLabel = "NAME",
            description =
                    "Scenario: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE} (100 clients, 1 of 10 symbols, 1000 ticks/s).",
            defaultValue = "custom")
    Preset preset;

    @Mixin
    SubscriberOptions subscribers;

    @Mixin
    PublisherOptions publisher;

    @Mixin
    TimingOptions timing;

    @picocli.CommandLine.Option(
            names = "--stalled-clients",
            paramLabel = "N",
            description = "N more WebSocket connections subscribe like the others (K of the same S symbols), then stop"
                    + " reading: slow consumers the server must contain. Their ticks are not counted; the"
                    + " report is about the healthy --clients. Default: ${DEFAULT-VALUE}.",
            defaultValue = "0")
    int stalledClients;

    @picocli.CommandLine.Option(
            names = "--stalled-receive-buffer",
            paramLabel = "BYTES",
            description = "SO_RCVBUF of the stalled clients, so the server feels their stall at once (loopback"
                    + " autotuning lets a receive buffer grow to tcp_rmem's max, 32 MiB here). 0: kernel default."
                    + " Default: ${DEFAULT-VALUE}.",
            defaultValue = "16384")
    int stalledReceiveBufferBytes;

    private Fleet stalled;
    private int stalledOpenAtEnd;

    @Override
    public Integer call() throws Exception {
        switch (preset) {
            case broadcast -> {
                subscribers.defaults(1000, 1, 1);
                publisher.rate = publisher.rate == null ? 1000.0 : publisher.rate;
            }
            case market -> {
                subscribers.defaults(2000, 500, 10);
                publisher.rate = publisher.rate == null ? 10_000.0 : publisher.rate;
            }
            case custom -> {
                subscribers.defaults(100, 10, 1);
                publisher.rate = publisher.rate == null ? 1000.0 : publisher.rate;
            }
        }
        common.validate(cl());
        subscribers.validate(cl());
        publisher.validate(cl());
        timing.validate(cl());
        Checks.atLeast(cl(), "--stalled-clients", stalledClients, 0);

        final SymbolPlan plan = subscribers.plan();
        final Path dir = reportDir("run-" + preset);
        final Progress progress = newProgress();
        try (ClientTransport transport = newTransport();
                Publisher pub = publisher.create(transport, common, plan.symbols);
                Fleet fleet = new Fleet(
                        transport,
                        common.urls,
                        common.subscriberTokens(),
                        plan,
                        Backoff.exponential(),
                        common.connectionsPerSource,
                        subscribers.maxHz,
                        subscribers.transport,
                        subscribers.streamsPerConnection)) {
            final long timeoutMs = common.connectTimeout.toMillis();
            progress.say("connecting " + pub.connectionCount() + " publisher(s) to " + common.urls + " ("
                    + transport.name() + ")");
            pub.connect();
            require(
                    Fleet.await(() -> pub.allOpen() || pub.fatalError.get() != null, timeoutMs, progress)
                            && pub.fatalError.get() == null,
                    "publisher could not connect to " + common.urls + ": "
                            + (pub.fatalError.get() == null ? "timed out" : pub.fatalError.get()));
            pub.prime();
            require(
                    Fleet.await(() -> pub.inFlightBatches() == 0, timeoutMs, progress) && pub.fatalError.get() == null,
                    "priming the symbols failed: " + pub.fatalError.get());

            progress.line(() -> String.format(
                    Locale.ROOT,
                    "open %d/%d  subscribed %d  baselines %d/%d  failures %d  rejects %d",
                    fleet.stats.openNow.get(),
                    plan.perClient.length,
                    fleet.stats.subscribeAcks.sum(),
                    fleet.stats.snapshots.sum() + fleet.stats.firsts.sum(),
                    plan.totalSubscriptions(),
                    fleet.stats.connectFailures.sum(),
                    fleet.stats.rejects.sum()));
            progress.say("connecting " + plan.perClient.length + " subscribers");
            fleet.connect(subscribers.connectRate, progress);
            require(
                    Fleet.await(() -> fleet.allOpen() && fleet.allBaselined(), timeoutMs, progress),
                    "subscribers not ready after " + common.connectTimeout.toSeconds() + " s: "
                            + fleet.stats.openNow.get() + "/" + plan.perClient.length + " open, "
                            + fleet.stats.connectFailures.sum() + " connect failures, "
                            + fleet.stats.rejects.sum() + " rejects, errors " + fleet.stats.errorsByCode);

            if (stalledClients > 0) {
                stalled = new Fleet(
                                transport,
                                common.urls,
                                common.subscriberToken(),
                                SymbolPlan.create(
                                        subscribers.symbolPrefix,
                                        subscribers.symbols,
                                        stalledClients,
                                        subscribers.perClient,
                                        subscribers.distribution,
                                        subscribers.zipfExponent,
                                        subscribers.seed + 1),
                                Backoff.exponential(),
                                common.connectionsPerSource,
                                0)
                        .receiveBufferBytes(stalledReceiveBufferBytes);
                progress.say("connecting " + stalledClients + " clients that will stop reading");
                final Fleet st = stalled;
                st.connect(subscribers.connectRate, progress);
                require(
                        Fleet.await(() -> st.allOpen() && st.allBaselined(), timeoutMs, progress),
                        "stalled clients not ready: " + st.stats.openNow.get() + "/" + stalledClients + " open");
                st.clients.forEach(io.tickfan.client.TickfanClient::stopReading);
            }
            final long warmupNs = timing.warmup.toNanos();
            final long durationNs = timing.duration.toNanos();
            final long startNs = EpochNanos.now() + TimeUnit.MILLISECONDS.toNanos(50);
            final long windowStartNs = startNs + warmupNs;
            final long windowEndNs = windowStartNs + durationNs;
            fleet.stats.window(windowStartNs, windowEndNs);
            final double cpu0 = CpuClock.selfSeconds();
            final double server0 = CpuClock.processSeconds(common.serverPid);
            final Sampler sampler =
                    new Sampler(fleet.stats, 1000, progress, common.serverPid, dir.resolve("latency.hlog"));
            progress.line(() -> runLine(sampler, fleet, pub));
            progress.say(String.format(
                    Locale.ROOT,
                    "publishing %.0f ticks/s: %d s warm-up, %d s measured",
                    publisher.rate,
                    timing.warmup.toSeconds(),
                    timing.duration.toSeconds()));
            sampler.start();
            final long liveBefore = fleet.stats.live.sum();
            pub.pace(publisher.rate, startNs, warmupNs + durationNs, windowStartNs, windowEndNs);
            final long publishEndNs = EpochNanos.now();

            Fleet.await(
                    () -> pub.inFlightBatches() == 0 && fleet.stats.measured.sum() >= expected(pub, plan),
                    timing.drain.toMillis(),
                    progress);
            sampler.close();
            final double cpu1 = CpuClock.selfSeconds();
            final double server1 = CpuClock.processSeconds(common.serverPid);
            final double elapsedS = (EpochNanos.now() - startNs) / 1e9;

            if (stalled != null) {
                stalledOpenAtEnd = stalled.stats.openNow.get();
                stalled.close();
            }
            final Histogram latency = fleet.stats.latency.total();
            final long expected = expected(pub, plan);
            final long received = fleet.stats.measured.sum();
            final FleetStats s = fleet.stats;
            final Map<String, Object> cpu = cpu(cpu0, cpu1, server0, server1, elapsedS);
            final double measuredS = durationNs / 1e9;
            final boolean passed = received == expected
                    && s.gaps.sum() == 0
                    && s.duplicates.sum() == 0
                    && pub.refused.sum() == 0
                    && pub.notConnected.sum() == 0
                    && latency.getTotalCount() > 0
                    && latency.getValueAtPercentile(99) <= timing.p99Budget.toNanos();

            final Map<String, Object> report = map();
            report.put("command", "run");
            report.put("preset", preset.name());
            report.put("transport", transport.name());
            report.put("subscriber_transport", subscribers.transport.name().replace('_', '-'));
            report.put(
                    "streams_per_connection",
                    subscribers.transport == SubscriberOptions.Transport.sse_h2 ? subscribers.streamsPerConnection : 1);
            final Map<String, Object> setup = map();
            setup.put("urls", common.urls.stream().map(Object::toString).toList());
            setup.put("clients", plan.perClient.length);
            setup.put("symbols", plan.symbols.length);
            setup.put("per_client", subscribers.perClient);
            setup.put("distribution", subscribers.distribution.name());
            setup.put("source_addresses", fleet.sourceAddresses);
            setup.put("rate_ticks_per_s", publisher.rate);
            setup.put("publishers", pub.connectionCount());
            setup.put("warmup_s", timing.warmup.toMillis() / 1000.0);
            setup.put("duration_s", measuredS);
            setup.put("own_seq", publisher.ownSeq);
            setup.put("seq_hole_every", publisher.seqHoleEvery);
            setup.put("stalled_clients", stalledClients);
            if (stalled != null) {
                setup.put("stalled_open_at_end", stalledOpenAtEnd);
                setup.put("stalled_closed_4008_or_reset", stalled.stats.slowConsumerCloses.sum());
            }
            report.put("setup", setup);
            report.put("latency", Report.latency(latency));
            final Map<String, Object> deliveries = map();
            deliveries.put("expected", expected);
            deliveries.put("received", received);
            deliveries.put("per_second", received / measuredS);
            deliveries.put("live_total", s.live.sum() - liveBefore);
            report.put("deliveries", deliveries);
            report.put("seq", seqReport(s));
            final Map<String, Object> pubReport = pub.counts();
            pubReport.put("holes_made", pub.holes.sum());
            pubReport.put("send_lag", Report.latency(pub.sendLag));
            pubReport.put("elapsed_s", (publishEndNs - startNs) / 1e9);
            report.put("publisher", pubReport);
            report.put("connections", connectionReport(s));
            report.put("cpu", cpu);

            final StringBuilder sum = new StringBuilder();
            sum.append(String.format(
                    Locale.ROOT,
                    "tickfan loadgen run (%s): %d clients x %d of %d symbols (%s), %.0f ticks/s, %.1f s measured after %.1f s warm-up, %s%n",
                    preset,
                    plan.perClient.length,
                    subscribers.perClient,
                    plan.symbols.length,
                    subscribers.distribution,
                    publisher.rate,
                    measuredS,
                    timing.warmup.toMillis() / 1000.0,
                    transport.name()));
            sum.append("latency: ").append(Report.latencyLine(latency)).append('\n');
            sum.append(String.format(
                    Locale.ROOT,
                    "deliveries: expected %,d  received %,d (%.3f%%)  %,.0f/s%n",
                    expected,
                    received,
                    expected == 0 ? 100.0 : 100.0 * received / expected,
                    received / measuredS));
            sum.append(seqLine(s));
            sum.append(String.format(
                    Locale.ROOT,
                    "publisher: sent %,d  accepted %,d  refused %,d  not connected %,d  send lag p99 %s max %s%n",
                    pub.sent.sum(),
                    pub.accepted.sum(),
                    pub.refused.sum(),
                    pub.notConnected.sum(),
                    Report.fmtMs(pub.sendLag.getValueAtPercentile(99)),
                    Report.fmtMs(pub.sendLag.getMaxValue())));
            sum.append(connectionLine(s));
            sum.append(cpuLine(cpu));
            return finish(
                    dir,
                    "tickfan loadgen run (" + preset + ")",
                    report,
                    sampler.samples(),
                    false,
                    sum.toString(),
                    passed);
        }
    }

    private static long expected(Publisher pub, SymbolPlan plan) {
        long n = 0;
        for (int sym = 0; sym < plan.symbols.length; sym++) {
            n += pub.acceptedMeasured.get(sym) * plan.subscribers[sym];
        }
        return n;
    }

    static String runLine(Sampler sampler, Fleet fleet, Publisher pub) {
        final Sampler.Sample s = sampler.last();
        if (s == null) {
            return "starting";
        }
        return String.format(
                Locale.ROOT,
                "open %d  live %,d  measured %,d  p99 %s  gaps %d  published %,d  refused %,d",
                s.open(),
                s.live(),
                s.measured(),
                Double.isNaN(s.p99Ms()) ? "-" : String.format(Locale.ROOT, "%.2f ms", s.p99Ms()),
                s.gaps(),
                pub == null ? 0 : pub.sent.sum(),
                pub == null ? 0 : pub.refused.sum());
    }

    static Map<String, Object> seqReport(FleetStats s) {
        final Map<String, Object> m = map();
        m.put("gaps", s.gaps.sum());
        m.put("missing", s.missing.sum());
        m.put("duplicates", s.duplicates.sum());
        m.put("resets", s.resets.sum());
        m.put("conflated", s.conflated.sum());
        m.put("snapshots", s.snapshots.sum());
        m.put("negative_latencies", s.negativeLatencies.sum());
        return m;
    }

    static String seqLine(FleetStats s) {
        return String.format(
                Locale.ROOT,
                "seq: gaps %,d (missing %,d)  duplicates %,d  resets %,d  conflated %,d  snapshots %,d%n",
                s.gaps.sum(),
                s.missing.sum(),
                s.duplicates.sum(),
                s.resets.sum(),
                s.conflated.sum(),
                s.snapshots.sum());
    }

    static Map<String, Object> connectionReport(FleetStats s) {
        final Map<String, Object> m = map();
        m.put("opens", s.opens.sum());
        m.put("reopens", s.reopens.sum());
        m.put("closes", s.closes.sum());
        m.put("connect_failures", s.connectFailures.sum());
        m.put("rejects", s.rejects.sum());
        m.put("rejects_by_status", counts(s.rejectsByStatus));
        m.put("errors_by_code", counts(s.errorsByCode));
        return m;
    }

    static String connectionLine(FleetStats s) {
        return String.format(
                Locale.ROOT,
                "connections: opened %,d (reopened %,d)  closed %,d  connect failures %,d  rejects %,d %s  errors %s%n",
                s.opens.sum(),
                s.reopens.sum(),
                s.closes.sum(),
                s.connectFailures.sum(),
                s.rejects.sum(),
                counts(s.rejectsByStatus),
                counts(s.errorsByCode));
    }

    static Map<String, Object> counts(Map<String, java.util.concurrent.atomic.LongAdder> adders) {
        final Map<String, Object> m = new java.util.TreeMap<>();
        adders.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
