package io.tickfan.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.auth.KeyFiles;
import io.tickfan.server.auth.TokenVerifier;
import io.tickfan.server.bridge.BridgeSettings;
import io.tickfan.server.bridge.RedisBridge;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.feed.DemoFeed;
import io.tickfan.server.http.HttpServerInitializer;
import io.tickfan.server.http.TlsContexts;
import io.tickfan.server.session.AdminActions;
import io.tickfan.server.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running tickfan server: transport, engine, optional demo feed. {@link #close()} stops it all. */
public final class TickfanServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TickfanServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final FanoutEngine engine;
    private final RedisBridge bridge;
    private final DemoFeed demoFeed;
    private final Channel listener;
    private final String transportName;
    private final String demoToken;
    private final ServerContext context;
    private final long drainWindowMs;

    private TickfanServer(ServerConfig config) throws Exception {
        final Transport transport = Transport.choose(config.string(ServerConfig.TRANSPORT));
        this.transportName = transport.name();
        final String generatedSecret;
        final TokenVerifier verifier;
        {
            String secret = config.string(ServerConfig.AUTH_HS256_SECRET);
            final RSAPublicKey rsa = keyOrNull(config.string(ServerConfig.AUTH_RS256_PUBLIC_KEY), true);
            final ECPublicKey ec = keyOrNull(config.string(ServerConfig.AUTH_ES256_PUBLIC_KEY), false);
            if (secret.isEmpty() && rsa == null && ec == null) {
                final byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                secret = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
                generatedSecret = secret;
            } else {
                generatedSecret = null;
            }
            verifier = new TokenVerifier(
                    secret.isEmpty() ? null : secret.getBytes(StandardCharsets.UTF_8),
                    rsa,
                    ec,
                    config.string(ServerConfig.AUTH_ISSUER),
                    config.string(ServerConfig.AUTH_AUDIENCE),
                    config.longValue(ServerConfig.AUTH_LEEWAY_SECONDS));
        }
        this.boss = transport.newGroup(1, "tickfan-accept");
        this.workers = transport.newGroup(config.integer(ServerConfig.IO_THREADS), "tickfan-io");
        final BridgeSettings bridgeSettings = BridgeSettings.fromConfig(config);
        this.engine = new FanoutEngine(
                        workers,
                        new FanoutEngine.Settings(
                                config.integer(ServerConfig.MAX_SYMBOLS),
                                config.integer(ServerConfig.INGEST_RING_BYTES),
                                config.integer(ServerConfig.LOOP_QUEUE_CAPACITY),
                                config.integer(ServerConfig.LOOP_DRAIN_LIMIT),
                                config.integer(ServerConfig.HISTORY_TICKS),
                                config.longValue(ServerConfig.HISTORY_MAX_AGE_MS),
                                // Each shard's stream numbers its own positions: SSE ids carry one per shard.
                                bridgeSettings == null ? 1 : bridgeSettings.shards()))
                .start();
        this.bridge = bridgeSettings == null ? null : RedisBridge.start(engine, bridgeSettings);
        final AdmissionControl admission = new AdmissionControl(
                config.integer(ServerConfig.MAX_CONNECTIONS),
                config.integer(ServerConfig.CONNECTIONS_PER_IP),
                config.integer(ServerConfig.CONNECTION_BURST_PER_IP),
                config.integer(ServerConfig.ACCEPTS_PER_SECOND),
                config.integer(ServerConfig.ACCEPT_BURST));
        this.context = new ServerContext(config, engine, verifier, admission);
        this.drainWindowMs = config.longValue(ServerConfig.DRAIN_WINDOW_MS);
        context.setAdminActions(new AdminActions() {
            @Override
            public int drain() {
                return startDrain();
            }

            @Override
            public int disconnectAll() {
                return context.sessions.restartAll(drainWindowMs);
            }
        });
        final int highWater = config.integer(ServerConfig.WRITE_HIGH_WATER);
        final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(highWater / 2, highWater))
                .childHandler(new HttpServerInitializer(context, TlsContexts.fromConfig(config)));
        final int sendBuffer = config.integer(ServerConfig.SOCKET_SEND_BUFFER);
        if (sendBuffer > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, sendBuffer);
        }
        this.listener = bootstrap
                .bind(config.string(ServerConfig.HOST), config.integer(ServerConfig.PORT))
                .sync()
                .channel();
        this.demoFeed = config.bool(ServerConfig.DEMO_ENABLED)
                ? new DemoFeed(
                                engine,
                                config.integer(ServerConfig.DEMO_SYMBOLS),
                                config.integer(ServerConfig.DEMO_RATE))
                        .start()
                : null;
        this.demoToken = generatedSecret == null
                ? null
                : JWT.create()
                        .withSubject("demo")
                        .withExpiresAt(Instant.now().plus(Duration.ofDays(1)))
                        .withArrayClaim("sym", new String[] {"*"})
                        .sign(Algorithm.HMAC256(generatedSecret.getBytes(StandardCharsets.UTF_8)));
        // The demo page fetches this same printed token; only a throwaway secret's token is ever served.
        context.setDemoPageToken(demoFeed == null ? null : demoToken);
        LOG.info(
                "tickfan listening on {} (transport {}, {} io threads, epoch {})",
                listener.localAddress(),
                transportName,
                countLoops(),
                engine.epoch());
    }

    /** Binds and starts a server; returns once it accepts connections. */
    public static TickfanServer start(ServerConfig config) throws Exception {
        return new TickfanServer(config);
    }

    private int countLoops() {
        int n = 0;
        for (var ignored : workers) {
            n++;
        }
        return n;
    }

    private static <K> K keyOrNull(String file, boolean rsa) throws Exception {
        if (file.isEmpty()) {
            return null;
        }
        @SuppressWarnings("unchecked")
        final K key = (K) (rsa ? KeyFiles.rsaPublicKey(Path.of(file)) : KeyFiles.ecPublicKey(Path.of(file)));
        return key;
    }

    /**
     * Starts a drain: readiness goes false, new connections get 503 with Retry-After, and every
     * client is told to reconnect at a random delay within {@code drain.windowMs}.
     *
     * @return sessions told to go
     */
    public int startDrain() {
        context.setReady(false);
        context.admission.startDraining(TimeUnit.MILLISECONDS.toSeconds(drainWindowMs));
        return context.sessions.restartAll(drainWindowMs);
    }

    /**
     * Drains, then waits until every connection is gone or the window has passed.
     *
     * @return whether every connection closed within the window
     */
    public boolean drainAndAwait() throws InterruptedException {
        startDrain();
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(drainWindowMs);
        while (context.admission.openConnections() > 0 && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        return context.admission.openConnections() == 0;
    }

    /** Shared state of the running server (for tests and embedding). */
    public ServerContext context() {
        return context;
    }

    /** The bound port (useful with {@code port=0}). */
    public int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    public String transportName() {
        return transportName;
    }

    public FanoutEngine engine() {
        return engine;
    }

    /** The Redis bridge, or null for a standalone pod. */
    public RedisBridge bridge() {
        return bridge;
    }

    /** A token for the demo when no key was configured (the server made a random secret), else null. */
    public String demoToken() {
        return demoToken;
    }

    @Override
    public void close() {
        if (demoFeed != null) {
            demoFeed.close();
        }
        if (bridge != null) {
            bridge.close();
        }
        listener.close().syncUninterruptibly();
        context.authenticator.close();
        // Tell every client we are going (1001), then close every connection, sent or not.
        context.sessions.goAwayAll();
        context.connections.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        // Sequencer before loops: it may be waiting on a loop's full queue, so loops must outlive it.
        engine.closeSequencer();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        engine.close();
    }
}
