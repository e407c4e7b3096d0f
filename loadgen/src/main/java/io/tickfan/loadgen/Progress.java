package io.tickfan.loadgen;

import java.io.PrintWriter;
import java.util.function.Supplier;

/** The one-line status printed while a run is going: at most once a second, to stderr. */
final class Progress {
    private final PrintWriter out;
    private final boolean enabled;
    private final long startNs = System.nanoTime();
    private volatile Supplier<String> line = () -> "";
    private long lastPrintNs;

    Progress(PrintWriter out, boolean enabled) {
        this.out = out;
        this.enabled = enabled;
    }

    void line(Supplier<String> line) {
        this.line = line;
    }

    double elapsedSeconds() {
        return (System.nanoTime() - startNs) / 1e9;
    }

    synchronized void maybePrint() {
        final long now = System.nanoTime();
        if (!enabled || now - lastPrintNs < 1_000_000_000L) {
            return;
        }
        lastPrintNs = now;
        out.printf("[%6.1fs] %s%n", elapsedSeconds(), line.get());
        out.flush();
    }

    void say(String message) {
        if (enabled) {
            out.printf("[%6.1fs] %s%n", elapsedSeconds(), message);
            out.flush();
        }
    }
}
