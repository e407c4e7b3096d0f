package io.tickfan.server;

import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.config.Setting;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * Command-line entry: {@code java -jar tickfan-server.jar [--config=FILE] [--key=value ...]}, plus
 * {@code --help}, {@code --print-config} and {@code mint-token}. Every start-up failure ends in one
 * line on stderr naming its cause and setting, and a non-zero exit: 2 for a bad setting, 1 for a
 * failed start (port in use, missing key file, Redis unreachable).
 */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            printHelp();
            return;
        }
        if (args.length > 0 && args[0].equals("mint-token")) {
            System.exit(TokenMint.run(Arrays.copyOfRange(args, 1, args.length)));
            return;
        }
        final List<String> settingArgs = new ArrayList<>(Arrays.asList(args));
        final boolean printConfig = settingArgs.remove("--print-config");
        final ServerConfig config;
        try {
            config = ServerConfig.load(settingArgs.toArray(new String[0]), System.getenv(), System.getProperties());
        } catch (IllegalArgumentException e) {
            System.err.println("tickfan: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (printConfig) {
            printConfig(config);
            return;
        }
        io.tickfan.server.logging.LogFormat.useJson(
                config.string(ServerConfig.LOG_FORMAT).equals("json"));
        final TickfanServer server;
        try {
            // An engine thread that fails halts the process (no drain: the engine cannot serve one);
            // the orchestrator restarts it. The message is logged before.
            server = TickfanServer.start(config, status -> {
                System.err.flush();
                Runtime.getRuntime().halt(status);
            });
        } catch (Throwable e) { // one line, whatever it was: the operator needs the cause, not our stack
            System.err.println("tickfan: cannot start: "
                    + (e instanceof StartupFailure ? e.getMessage() : StartupFailure.describe(e)));
            System.exit(1);
            return;
        }
        printWelcome(config, server);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            // SIGTERM: drain (clients reconnect elsewhere, spread over drain.windowMs), then stop.
                            try {
                                server.drainAndAwait();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            server.close();
                            stopped.countDown();
                        },
                        "tickfan-shutdown"));
        stopped.await();
    }

    private static void printHelp() {
        System.out.println("usage: tickfan-server [--config=FILE] [--print-config] [--key=value ...]"
                + "   (every key: docs/configuration.md)");
        System.out.println("       tickfan-server mint-token [--sub=NAME] [--roles=publisher,admin] [--symbols=*]"
                + " [--ttlSeconds=N] [--config=FILE]");
        System.out.println("  precedence, lowest first: default, config file (--config or TICKFAN_CONFIG),"
                + " environment (TICKFAN_KEY), -Dtickfan.key, --key=value");
        for (Setting s : ServerConfig.settings()) {
            System.out.printf(
                    "  --%-36s default %-10s %s%n",
                    s.key() + "=", s.defaultValue().isEmpty() ? "(none)" : s.defaultValue(), s.description());
        }
    }

    private static void printConfig(ServerConfig config) {
        for (Setting s : ServerConfig.settings()) {
            System.out.printf("%s=%s    # %s%n", s.key(), config.printable(s), config.source(s));
        }
    }

    private static void printWelcome(ServerConfig config, TickfanServer server) {
        final String bindHost = config.string(ServerConfig.HOST);
        final String host = bindHost.equals("0.0.0.0") ? "localhost" : bindHost;
        final String base = host + ":" + server.port();
        System.out.println("tickfan ready: listening on " + bindHost + ":" + server.port() + "; ws://" + base
                + config.string(ServerConfig.WS_PATH) + ", http://" + base + config.string(ServerConfig.SSE_PATH)
                + ", /health, /ready, /metrics"
                + (server.metricsPort() > 0 ? " (metrics on port " + server.metricsPort() + ")" : ""));
        if (config.bool(ServerConfig.DEMO_ENABLED)) {
            System.out.println("demo page: http://" + base + "/");
        }
        if (server.demoToken() != null) {
            System.out.println("no auth key configured: made a random HS256 secret for this run (never printed)."
                    + " Tokens valid 24 h:");
            System.out.println("  subscriber (every symbol):          " + server.demoToken());
            System.out.println("  publisher + admin (feeds, loadgen):  " + server.demoPublisherToken());
            System.out.println("try: curl -N -H 'Authorization: Bearer <subscriber token>' 'http://" + base
                    + config.string(ServerConfig.SSE_PATH) + "?symbols=AAPL'");
        }
    }
}
