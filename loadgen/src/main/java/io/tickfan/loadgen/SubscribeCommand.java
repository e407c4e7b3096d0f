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

/**
 * Subscribers only, for a publisher in another process (another {@code loadgen publish}, a feed,
 * the demo feed). Without the publisher's counts it reports what arrived and what the seq numbers
 * say is missing.
 */
@Command(
        name = "subscribe",
        mixinStandardHelpOptions = true,
        header = "Subscribers only: latency, deliveries/s, gaps (publish from elsewhere).",
        description =
                "Connect N subscribers, each to K of S symbols, and measure for a fixed duration after a warm-up: latency (receive time - tick ts), deliveries/s, gaps and duplicates by per-symbol seq. Run 'loadgen publish' (or any feed stamping ts) against the same server at the same time.")
final class SubscribeCommand extends BaseCommand {
    @Mixin
    SubscriberOptions subscribers;

    @Mixin
    TimingOptions timing;

    @Override
    public Integer call() throws Exception {
        subscribers.defaults(100, 10, 1);
        common.validate(cl());
        subscribers.validate(cl());
        timing.validate(cl());
        final SymbolPlan plan = subscribers.plan();
        final Path dir = reportDir("subscribe");
        final Progress progress = newProgress();
        try (ClientTransport transport = newTransport();
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
            progress.line(() -> String.format(
                    Locale.ROOT,
                    "open %d/%d  subscribed %d  failures %d  rejects %d",
                    fleet.stats.openNow.get(),
                    plan.perClient.length,
                    fleet.stats.subscribeAcks.sum(),
                    fleet.stats.connectFailures.sum(),
                    fleet.stats.rejects.sum()));
            progress.say("connecting " + plan.perClient.length + " subscribers to " + common.urls + " ("
                    + transport.name() + ")");
            final long connectStartNs = System.nanoTime();
            fleet.connect(subscribers.connectRate, progress);
            require(
                    Fleet.await(
                            () -> fleet.allOpen() && fleet.allSubscribed(), common.connectTimeout.toMillis(), progress),
                    "subscribers not ready after " + common.connectTimeout.toSeconds() + " s: "
                            + fleet.stats.openNow.get() + "/" + plan.perClient.length + " open, "
                            + fleet.stats.connectFailures.sum() + " connect failures, "
                            + fleet.stats.rejects.sum() + " rejects " + RunCommand.counts(fleet.stats.rejectsByStatus));
            final double setupS = (System.nanoTime() - connectStartNs) / 1e9;
            final long startNs = EpochNanos.now();
            final long windowStartNs = startNs + timing.warmup.toNanos();
            final long windowEndNs = windowStartNs + timing.duration.toNanos();
            fleet.stats.window(windowStartNs, windowEndNs);
            final double cpu0 = CpuClock.selfSeconds();
            final double server0 = CpuClock.processSeconds(common.serverPid);
            final Sampler sampler =
                    new Sampler(fleet.stats, 1000, progress, common.serverPid, dir.resolve("latency.hlog"));
            progress.line(() -> RunCommand.runLine(sampler, fleet, null));
            sampler.start();
            // Ticks intended before the window's end may still be in flight: give them the drain time.
            final long endNs = windowEndNs + timing.drain.toNanos();
            Fleet.await(
                    () -> EpochNanos.now() >= endNs, TimeUnit.NANOSECONDS.toMillis(endNs - startNs) + 1000, progress);
            sampler.close();
            final double cpu1 = CpuClock.selfSeconds();
            final double server1 = CpuClock.processSeconds(common.serverPid);
            final double measuredS = timing.duration.toNanos() / 1e9;
            final FleetStats s = fleet.stats;
            final Histogram latency = s.latency.total();
            final long received = s.measured.sum();
            final Map<String, Object> cpu = cpu(cpu0, cpu1, server0, server1, (EpochNanos.now() - startNs) / 1e9);
            final boolean passed = s.gaps.sum() == 0
                    && s.duplicates.sum() == 0
                    && latency.getTotalCount() > 0
                    && latency.getValueAtPercentile(99) <= timing.p99Budget.toNanos();

            final Map<String, Object> report = map();
            report.put("command", "subscribe");
            report.put("transport", transport.name());
            report.put("setup_s", setupS);
            report.put("upgrades_per_s", plan.perClient.length / setupS);
            report.put("distinct_tokens", common.distinctTokens ? common.signAlg : "no");
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
            setup.put("duration_s", measuredS);
            report.put("setup", setup);
            report.put("latency", Report.latency(latency));
            final Map<String, Object> deliveries = map();
            deliveries.put("received", received);
            deliveries.put("missing_by_seq", s.missing.sum());
            deliveries.put("per_second", received / measuredS);
            report.put("deliveries", deliveries);
            report.put("seq", RunCommand.seqReport(s));
            report.put("connections", RunCommand.connectionReport(s));
            report.put("cpu", cpu);

            final StringBuilder sum = new StringBuilder();
            sum.append(String.format(
                    Locale.ROOT,
                    "tickfan loadgen subscribe: %d clients x %d of %d symbols (%s), %.1f s measured, %s%n",
                    plan.perClient.length,
                    subscribers.perClient,
                    plan.symbols.length,
                    subscribers.distribution,
                    measuredS,
                    transport.name()));
            sum.append(String.format(
                    Locale.ROOT,
                    "setup: %d connections open and subscribed in %.3f s (%,.0f upgrades/s, %s tokens)%n",
                    plan.perClient.length,
                    setupS,
                    plan.perClient.length / setupS,
                    common.distinctTokens ? "distinct " + common.signAlg : "one shared"));
            sum.append("latency: ").append(Report.latencyLine(latency)).append('\n');
            sum.append(String.format(
                    Locale.ROOT,
                    "deliveries: received %,d  missing by seq %,d  %,.0f/s%n",
                    received,
                    s.missing.sum(),
                    received / measuredS));
            sum.append(RunCommand.seqLine(s));
            sum.append(RunCommand.connectionLine(s));
            sum.append(cpuLine(cpu));
            return finish(dir, "tickfan loadgen subscribe", report, sampler.samples(), false, sum.toString(), passed);
        }
    }
}
