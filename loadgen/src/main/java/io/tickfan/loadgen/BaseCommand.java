package io.tickfan.loadgen;

import io.tickfan.client.ClientTransport;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every command shares: options, transport, progress line and the report files. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    CommandLine cl() {
        return spec.commandLine();
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    Progress newProgress() {
        return new Progress(spec.commandLine().getErr(), !common.quiet);
    }

    ClientTransport newTransport() {
        return ClientTransport.create(common.threads, !common.nio);
    }

    Path reportDir(String name) throws IOException {
        final Path dir = common.reportDir != null
                ? common.reportDir
                : Path.of(
                        "reports",
                        name + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        Files.createDirectories(dir);
        return dir;
    }

    static Map<String, Object> map() {
        return new LinkedHashMap<>();
    }

    /** Writes report.json and report.html into {@code dir}, prints the summary; returns the exit code. */
    int finish(
            Path dir,
            String title,
            Map<String, Object> report,
            List<Sampler.Sample> samples,
            boolean storm,
            String summary,
            boolean passed)
            throws IOException {
        report.put("passed", passed);
        report.put("series", Report.series(samples));
        Report.writeJson(dir.resolve("report.json"), report);
        Report.writeHtml(dir.resolve("report.html"), title, samples, storm, summary);
        final PrintWriter out = out();
        out.print(summary);
        out.printf(Locale.ROOT, "verdict: %s%n", passed ? "PASS" : "FAIL");
        out.printf(
                Locale.ROOT,
                "reports: %s (report.json, report.html%s)%n",
                dir,
                Files.exists(dir.resolve("latency.hlog")) ? ", latency.hlog" : "");
        out.flush();
        return passed || !failedRunExitsNonZero() ? Loadgen.EXIT_OK : Loadgen.EXIT_FAILED_CHECKS;
    }

    /** Whether a completed run that failed its checks exits with {@link Loadgen#EXIT_FAILED_CHECKS}. */
    boolean failedRunExitsNonZero() {
        return common.strict;
    }

    static Map<String, Object> cpu(
            double loadgenStart, double loadgenEnd, double serverStart, double serverEnd, double seconds) {
        final Map<String, Object> m = map();
        m.put("loadgen_cpu_s", loadgenEnd - loadgenStart);
        m.put("loadgen_cores", (loadgenEnd - loadgenStart) / seconds);
        m.put("server_cpu_s", serverEnd - serverStart);
        m.put("server_cores", (serverEnd - serverStart) / seconds);
        return m;
    }

    static String cpuLine(Map<String, Object> cpu) {
        final double server = (Double) cpu.get("server_cpu_s");
        return String.format(
                Locale.ROOT,
                "cpu: loadgen %.2f s (%.2f cores)%s%n",
                (Double) cpu.get("loadgen_cpu_s"),
                (Double) cpu.get("loadgen_cores"),
                Double.isNaN(server)
                        ? "  server: pass --server-pid to measure"
                        : String.format(
                                Locale.ROOT, "  server %.2f s (%.2f cores)", server, (Double) cpu.get("server_cores")));
    }

    static void require(boolean ok, String message) {
        if (!ok) {
            throw new Loadgen.LoadgenException(message);
        }
    }
}
