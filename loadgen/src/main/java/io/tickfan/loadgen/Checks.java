package io.tickfan.loadgen;

import java.time.Duration;
import picocli.CommandLine;

/** Option checks that end in a clear message and exit code 2. */
final class Checks {
    private Checks() {}

    static void atLeast(CommandLine cl, String option, long value, long min) {
        if (value < min) {
            throw new CommandLine.ParameterException(cl, option + " must be at least " + min + ", got " + value);
        }
    }

    static void positive(CommandLine cl, String option, double value) {
        if (!(value > 0)) {
            throw new CommandLine.ParameterException(cl, option + " must be greater than 0, got " + value);
        }
    }

    static void positive(CommandLine cl, String option, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw new CommandLine.ParameterException(cl, option + " must be greater than 0, got " + value);
        }
    }
}
