package io.tickfan.loadgen;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How long a measured run lasts. */
final class TimingOptions {
    @Option(
            names = "--duration",
            paramLabel = "DURATION",
            description = "Measured time (e.g. 30s, 2m). Default: ${DEFAULT-VALUE}.",
            defaultValue = "10s",
            converter = DurationConverter.class)
    Duration duration;

    @Option(
            names = "--warmup",
            paramLabel = "DURATION",
            description = "Time before measuring (ticks flow, latency not recorded). Default: ${DEFAULT-VALUE}.",
            defaultValue = "2s",
            converter = DurationConverter.class)
    Duration warmup;

    @Option(
            names = "--drain",
            paramLabel = "DURATION",
            description = "After publishing stops, how long to wait for the last ticks. Default: ${DEFAULT-VALUE}.",
            defaultValue = "5s",
            converter = DurationConverter.class)
    Duration drain;

    @Option(
            names = "--p99-budget",
            paramLabel = "DURATION",
            description = "A run passes only with p99 latency at or under this. Default: ${DEFAULT-VALUE}.",
            defaultValue = "50ms",
            converter = DurationConverter.class)
    Duration p99Budget;

    void validate(picocli.CommandLine cl) {
        Checks.positive(cl, "--duration", duration);
        if (warmup.isNegative()) {
            throw new picocli.CommandLine.ParameterException(cl, "--warmup must not be negative");
        }
        if (drain.isNegative()) {
            throw new picocli.CommandLine.ParameterException(cl, "--drain must not be negative");
        }
    }
}
