package io.tickfan.server;

import io.tickfan.server.config.ServerConfig;
import java.util.concurrent.CountDownLatch;

/** Command-line entry: {@code java -jar tickfan-server.jar [--key=value ...]}. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println("usage: tickfan-server [--key=value ...]   (every key: docs/configuration.md)");
            for (var s : ServerConfig.settings()) {
                System.out.printf(
                        "  --%-36s default %-10s %s%n",
                        s.key() + "=", s.defaultValue().isEmpty() ? "(none)" : s.defaultValue(), s.description());
            }
            return;
        }
        final ServerConfig config;
        try {
            config = ServerConfig.load(args, System.getenv(), System.getProperties());
        } catch (IllegalArgumentException e) {
            System.err.println("tickfan: " + e.getMessage());
            System.exit(2);
            return;
        }
        final TickfanServer server = TickfanServer.start(config);
        final String host =
                config.string(ServerConfig.HOST).equals("0.0.0.0") ? "localhost" : config.string(ServerConfig.HOST);
        System.out.println("tickfan ready: ws://" + host + ":" + server.port() + config.string(ServerConfig.WS_PATH));
        if (config.bool(ServerConfig.DEMO_ENABLED)) {
            System.out.println("demo page: http://" + host + ":" + server.port() + "/");
        }
        if (server.demoToken() != null) {
            System.out.println("no auth key configured: made a random HS256 secret for this run. Demo token (24 h):");
            System.out.println("  " + server.demoToken());
            System.out.println("try: websocat -H 'Authorization: Bearer "
                    + server.demoToken().substring(0, 12) + "...' ws://" + host + ":" + server.port()
                    + "/ws   then send {\"op\":\"subscribe\",\"symbols\":[\"AAPL\"]}");
        }
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
}
