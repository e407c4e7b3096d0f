package io.tickfan.server.testing;

import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.config.Setting;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.IngestRing;
import java.net.URI;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real {@link TickfanServer} on a free loopback port and closes it afterwards. As a
 * static field the server lives for the test class; as an instance field, for each test.
 *
 * <pre>
 * &#64;RegisterExtension
 * static final TickfanServerExtension server = new TickfanServerExtension()
 *         .with(ServerConfig.AUTH_ISSUER, TestTokens.ISSUER);
 *
 * try (TestClient c = TestClient.connect(server.wsUri(), TestTokens.valid())) { ... }
 * server.publish(Ticks.quote("AAPL", "189.12", "189.14"));
 * </pre>
 *
 * The default configuration is {@link #testDefaults()}: port 0 on 127.0.0.1, no demo feed, HS256
 * with {@link TestTokens#SECRET}, RS256 and ES256 with {@link TestKeys}' public key files.
 */
public final class TickfanServerExtension
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private ServerConfig config = testDefaults();
    private TickfanServer server;
    private boolean perTest;
    private final java.util.concurrent.atomic.AtomicInteger barriers = new java.util.concurrent.atomic.AtomicInteger();

    /** The configuration every test server starts from. */
    public static ServerConfig testDefaults() {
        return ServerConfig.defaults()
                .with(ServerConfig.HOST, "127.0.0.1")
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_ENABLED, false)
                .with(ServerConfig.AUTH_HS256_SECRET, TestTokens.SECRET)
                .with(ServerConfig.AUTH_RS256_PUBLIC_KEY, TestKeys.rsaPublicKeyFile())
                .with(ServerConfig.AUTH_ES256_PUBLIC_KEY, TestKeys.ecPublicKeyFile());
    }

    /** Starts a server outside the extension's lifecycle (for one-off configurations); the caller closes it. */
    public static TickfanServer start(UnaryOperator<ServerConfig> configure) throws Exception {
        return TickfanServer.start(configure.apply(testDefaults()));
    }

    /** Overrides one setting; call before the server starts. */
    public TickfanServerExtension with(Setting setting, Object value) {
        if (server != null) {
            throw new IllegalStateException("the server is already running");
        }
        config = config.with(setting, value);
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        server = TickfanServer.start(config);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        closeServer();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (server == null) {
            perTest = true;
            server = TickfanServer.start(config);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (perTest) {
            closeServer();
        }
    }

    /** Closes the server now (idempotent); for tests of shutdown itself. */
    public void closeServer() {
        final TickfanServer s = server;
        server = null;
        if (s != null) {
            s.close();
        }
    }

    public TickfanServer server() {
        if (server == null) {
            throw new IllegalStateException("the server is not running");
        }
        return server;
    }

    public ServerConfig config() {
        return config;
    }

    public int port() {
        return server().port();
    }

    public FanoutEngine engine() {
        return server().engine();
    }

    /** {@code ws://127.0.0.1:port/ws} (the configured path). */
    public URI wsUri() {
        return URI.create("ws://127.0.0.1:" + port() + config.string(ServerConfig.WS_PATH));
    }

    /** Publishes straight into the engine's ingest ring, as a feed inside the server would. */
    public void publish(Tick tick) {
        final int result = engine().publish(tick);
        if (result != IngestRing.OK) {
            throw new IllegalStateException("publish refused: " + result);
        }
    }

    /**
     * Subscribes {@code client} and returns once the engine delivers those symbols to it live. The
     * ack alone does not mean that: it is sent before the sequencer has taken the subscription, so
     * a tick published right after the ack may still reach the client only as the snapshot. Here a
     * fresh barrier symbol rides in the same subscribe (one engine command for all symbols), and
     * its first tick arriving proves the command took effect.
     */
    public void subscribeLive(TestClient client, String... symbols) {
        final String barrier = "BARRIER." + barriers.incrementAndGet();
        final String[] all = java.util.Arrays.copyOf(symbols, symbols.length + 1);
        all[symbols.length] = barrier;
        client.awaitAck(client.subscribe(all));
        publish(Ticks.numbered(barrier, 1));
        client.awaitTicks(barrier, 1);
    }

    /** A client connected with {@code token} in the {@code Authorization} header. */
    public TestClient connect(String token) {
        return TestClient.connect(wsUri(), token);
    }
}
