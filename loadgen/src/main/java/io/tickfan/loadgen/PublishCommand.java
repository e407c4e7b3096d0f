package io.tickfan.loadgen;

import io.tickfan.client.ClientTransport;
import io.tickfan.protocol.EpochNanos;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A paced publisher alone, for subscribers in other processes. */
@Command(
        name = "publish",
        mixinStandardHelpOptions = true,
        header = "A paced open-loop publisher only.",
        description =
                "Publish ticks at a fixed rate over S symbols, paced by schedule (open loop): each tick's ts is its intended send time. Reports what the server accepted, refused (back_pressured) and how far the sender lagged its schedule.")
final class PublishCommand extends BaseCommand {
    @Option(
            names = "--symbols",
            paramLabel = "S",
            description = "Symbols to publish to (named like the subscribers'). Default: ${DEFAULT-VALUE}.",
            defaultValue = "10")
    int symbols;

    @Option(
            names = "--symbol-prefix",
            paramLabel = "P",
            description = "Prefix of the symbol names. Default: ${DEFAULT-VALUE}.",
            defaultValue = "LG")
    String symbolPrefix;

    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "How long to publish. Default: ${DEFAULT-VALUE}.",
            defaultValue = "12s",
            converter = DurationConverter.class)
    java.time.Duration duration;

    @Mixin
    PublisherOptions publisher;

    @Override
    public Integer call() throws Exception {
        if (publisher.rate == null) {
            publisher.rate = 1000.0;
        }
        common.validate(cl());
        publisher.validate(cl());
        Checks.atLeast(cl(), "--symbols", symbols, 1);
        Checks.positive(cl(), "--duration", duration);
        final String[] names = SymbolPlan.symbolNames(symbolPrefix, symbols);
        final Path dir = reportDir("publish");
        final Progress progress = newProgress();
        try (ClientTransport transport = newTransport();
                Publisher pub = publisher.create(transport, common, names)) {
            pub.connect();
            require(
                    Fleet.await(
                                    () -> pub.allOpen() || pub.fatalError.get() != null,
                                    common.connectTimeout.toMillis(),
                                    progress)
                            && pub.fatalError.get() == null,
                    "publisher could not connect to " + common.urls + ": "
                            + (pub.fatalError.get() == null ? "timed out" : pub.fatalError.get()));
            progress.line(() -> String.format(
                    Locale.ROOT,
                    "sent %,d  accepted %,d  refused %,d  in flight %d",
                    pub.sent.sum(),
                    pub.accepted.sum(),
                    pub.refused.sum(),
                    pub.inFlightBatches()));
            final double cpu0 = CpuClock.selfSeconds();
            final double server0 = CpuClock.processSeconds(common.serverPid);
            final long startNs = EpochNanos.now() + TimeUnit.MILLISECONDS.toNanos(20);
            final Thread ticker = new Thread(
                    () -> {
                        while (!Thread.currentThread().isInterrupted()) {
                            progress.maybePrint();
                            java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
                        }
                    },
                    "loadgen-progress");
            ticker.setDaemon(true);
            ticker.start();
            pub.pace(publisher.rate, startNs, duration.toNanos(), startNs, Long.MAX_VALUE);
            final double elapsedS = (EpochNanos.now() - startNs) / 1e9;
            Fleet.await(() -> pub.inFlightBatches() == 0, 5000, progress);
            ticker.interrupt();
            final double cpu1 = CpuClock.selfSeconds();
            final double server1 = CpuClock.processSeconds(common.serverPid);
            final Map<String, Object> cpu = cpu(cpu0, cpu1, server0, server1, elapsedS);
            final boolean passed =
                    pub.refused.sum() == 0 && pub.notConnected.sum() == 0 && pub.fatalError.get() == null;

            final Map<String, Object> report = map();
            report.put("command", "publish");
            report.put("transport", transport.name());
            final Map<String, Object> setup = map();
            setup.put("urls", common.urls.stream().map(Object::toString).toList());
            setup.put("symbols", symbols);
            setup.put("rate_ticks_per_s", publisher.rate);
            setup.put("publishers", pub.connectionCount());
            setup.put("duration_s", duration.toMillis() / 1000.0);
            report.put("setup", setup);
            final Map<String, Object> pubReport = pub.counts();
            pubReport.put("batches", pub.batches.sum());
            pubReport.put("achieved_per_second", pub.accepted.sum() / elapsedS);
            pubReport.put("send_lag", Report.latency(pub.sendLag));
            pubReport.put("error", pub.fatalError.get());
            report.put("publisher", pubReport);
            report.put("cpu", cpu);
            final StringBuilder sum = new StringBuilder();
            sum.append(String.format(
                    Locale.ROOT,
                    "tickfan loadgen publish: %.0f ticks/s over %d symbols for %.1f s, %d connection(s), %s%n",
                    publisher.rate,
                    symbols,
                    elapsedS,
                    pub.connectionCount(),
                    transport.name()));
            sum.append(String.format(
                    Locale.ROOT,
                    "published: sent %,d  accepted %,d (%,.0f/s)  refused %,d  not connected %,d  in %,d batches%n",
                    pub.sent.sum(),
                    pub.accepted.sum(),
                    pub.accepted.sum() / elapsedS,
                    pub.refused.sum(),
                    pub.notConnected.sum(),
                    pub.batches.sum()));
            sum.append("send lag behind schedule: ")
                    .append(Report.latencyLine(pub.sendLag))
                    .append('\n');
            if (pub.fatalError.get() != null) {
                sum.append("error: ").append(pub.fatalError.get()).append('\n');
            }
            sum.append(cpuLine(cpu));
            return finish(dir, "tickfan loadgen publish", report, List.of(), false, sum.toString(), passed);
        }
    }
}
