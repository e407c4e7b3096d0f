package io.tickfan.bench.guard;

import java.nio.file.Path;

/** Where the ITs find the baselines and put their reports (set by the failsafe configuration). */
final class GuardTestSupport {
    private GuardTestSupport() {}

    static Path baselinesFile() {
        return Path.of(System.getProperty("tickfan.bench.baselines", "baselines.json"));
    }

    static Path reportDir() {
        return Path.of(System.getProperty("tickfan.bench.reportDir", "target/bench-reports"));
    }
}
