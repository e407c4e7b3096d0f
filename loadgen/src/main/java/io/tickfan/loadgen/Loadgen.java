package io.tickfan.loadgen;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code loadgen}: latency and throughput runs and reconnect-storm drills against tickfan.
 *
 * <p>Exit codes: 0 the run completed (and, for a storm or with {@code --strict}, passed); 1 the run could not be
 * carried out (server unreachable, token refused, timeout); 2 bad options; 3 the run completed
 * but failed its checks (a storm drill always; other runs under {@code --strict}).
 */
@Command(
        name = "loadgen",
        mixinStandardHelpOptions = true,
        version = "tickfan loadgen 0.1.0",
        description =
                "Load generator for tickfan: measures tick-to-client latency and fan-out throughput, and drills reconnect storms.%n%nLatency is the receive time minus the tick's 'ts', the publisher's INTENDED send time (epoch ns from one monotonic clock calibrated to the wall clock; comparable across processes on one machine). Publishing is paced by schedule (open loop), so a stalled sender or server shows up as latency, not as fewer samples.",
        subcommands = {
            SubscribeCommand.class,
            PublishCommand.class,
            RunCommand.class,
            StormCommand.class,
            CommandLine.HelpCommand.class
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:completed (and passed: storm always, others with --strict)",
            "1:could not run (unreachable, refused, timed out)",
            "2:bad options",
            "3:completed but failed its checks (storm always, others with --strict)"
        })
public final class Loadgen implements Runnable {
    static final int EXIT_OK = 0;
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_FAILED_CHECKS = 3;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(), "missing command: one of subscribe, publish, run, storm (see --help)");
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, for embedding and tests. */
    public static CommandLine commandLine() {
        final CommandLine cl = new CommandLine(new Loadgen());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            final PrintWriter err = commandLine.getErr();
            err.println("loadgen: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            if (!(e instanceof LoadgenException)) {
                e.printStackTrace(err);
            }
            err.flush();
            return EXIT_ERROR;
        });
        cl.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE : EXIT_ERROR);
        return cl;
    }

    /** A run that cannot be carried out, with a message for the operator (no stack trace). */
    static final class LoadgenException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LoadgenException(String message) {
            super(message);
        }
    }
}
