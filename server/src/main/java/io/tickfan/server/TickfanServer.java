package io.tickfan.server;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.bridge.BridgeHeartbeat;
import io.tickfan.server.bridge.BridgeSettings;
import io.tickfan.server.bridge.RedisBridge;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.EngineSettings;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.MemoryBroker;
import io.tickfan.server.feed.DemoFeed;
import io.tickfan.server.http.HttpServerInitializer;
import io.tickfan.server.metrics.prometheus.MetricsServer;
import io.tickfan.server.metrics.prometheus.TickfanMetrics;
import io.tickfan.server.session.AdminActions;
import io.tickfan.server.transport.ListenBacklog;
import io.tickfan.server.transport.TlsContexts;
import io.tickfan.server.transport.Transport;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running tickfan server: transport, engine, optional demo feed. {@link #close()} stops it all. */
public final class TickfanServer implements AutoCloseable {
    private static final AdaptiveRecvByteBufAllocator RECEIVE_SIZES = new AdaptiveRecvByteBufAllocator();

    private static final Logger LOG = LoggerFactory.getLogger(TickfanServer.class);

    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final FanoutEngine engine;
    private final RedisBridge bridge;
    private final DemoFeed demoFeed;
    private final Channel listener;
    /** Sets up an accepted connection; set once the server is up, before it accepts. */
    private volatile HttpServerInitializer connectionSetup;

    private final String transportName;
    private final String demoToken;
    private final String demoPublisherToken;
    private final ServerContext context;
    private final long drainWindowMs;
    private final MetricsServer metricsServer;
    /** {@code transport.reusePort}: a successor may listen on the port; a drain stops listening. */
    private final boolean reusePort;

    /** Exit status when an engine thread failed (EX_SOFTWARE). */
    public static final int FATAL_EXIT_STATUS = 70;

    private final IntConsumer exit;
    private volatile ServerContext contextForFailure;

    private TickfanServer(ServerConfig config, IntConsumer exit) throws Exception {
        this.exit = exit;
        final Transport transport;
        try {
            transport = Transport.choose(config.string(ServerConfig.TRANSPORT));
        } catch (IllegalArgumentException e) {
            throw new StartupFailure("transport", "not usable here", e);
        }
        this.transportName = transport.name();
        this.boss = transport.newGroup(1, "tickfan-accept");
        this.workers = transport.newGroup(config.integer(ServerConfig.IO_THREADS), "tickfan-io");
        // Listen first, before the keys are read and the engine and the Redis bridge start, but accept
        // nothing until they have: a client that connects meanwhile (a pod restarting under a
        // reconnect storm) waits in the kernel's accept queue instead of being refused and backing
        // off, and is taken the moment the pod is up. Its connection is accepted only then, so no
        // request is read early. With transport.reusePort the pod joins the port only once it is up:
        // a pod already on the port (the one it succeeds) takes every new connection meanwhile,
        // where a listener of this pod would get some from the kernel and hold them unanswered.
        final int highWater = config.integer(ServerConfig.WRITE_HIGH_WATER);
        final int backlog = config.integer(ServerConfig.TRANSPORT_BACKLOG);
        final ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, backlog)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // One sizing policy for every connection (each keeps its own handle): Netty makes one
                // per channel otherwise, 32 bytes each.
                .childOption(ChannelOption.RECVBUF_ALLOCATOR, RECEIVE_SIZES)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(highWater / 2, highWater))
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connectionSetup.initConnection(ch);
                    }
                });
        final int sendBuffer = config.integer(ServerConfig.SOCKET_SEND_BUFFER);
        if (sendBuffer > 0) {
            bootstrap.childOption(ChannelOption.SO_SNDBUF, sendBuffer);
        }
        transport.boundKernelUnsent(bootstrap, config.integer(ServerConfig.KERNEL_UNSENT_BYTES));
        this.reusePort = config.bool(ServerConfig.TRANSPORT_REUSE_PORT);
        if (reusePort) {
            transport.reusePort(bootstrap);
        }
        final String host = config.string(ServerConfig.HOST);
        final int port = config.integer(ServerConfig.PORT);
        final Channel early;
        if (reusePort) {
            early = null;
        } else {
            try {
                early = bind(bootstrap, host, port);
            } catch (StartupFailure e) {
                stopListening(null);
                throw e;
            }
        }
        // Keys and TLS after the listener: a restarting pod's clients queue from the earliest moment.
        // The Redis bridge starts connecting meanwhile, on a thread of its own.
        final BridgeSettings bridgeSettings = BridgeSettings.fromConfig(config);
        this.bridge = bridgeSettings == null ? null : new RedisBridge(bridgeSettings);
        if (bridge != null) {
            bridge.connectAhead();
        }
        final io.netty.handler.ssl.SslContext sslContext;
        final TokenKeys keys;
        try {
            sslContext = tls(config);
            keys = TokenKeys.fromConfig(config);
        } catch (RuntimeException e) {
            if (bridge != null) {
                bridge.close();
            }
            stopListening(early);
            throw e;
        }
        this.engine = new FanoutEngine(
                workers,
                new EngineSettings(
                        config.integer(ServerConfig.MAX_SYMBOLS),
                        config.integer(ServerConfig.INGEST_RING_BYTES),
                        config.integer(ServerConfig.LOOP_QUEUE_CAPACITY),
                        config.integer(ServerConfig.LOOP_DRAIN_LIMIT),
                        config.integer(ServerConfig.HISTORY_TICKS),
                        config.longValue(ServerConfig.HISTORY_MAX_AGE_MS),
                        // Each shard's stream numbers its own positions: SSE ids carry one per shard.
                        bridgeSettings == null ? 1 : bridgeSettings.shards(),
                        config.integer(ServerConfig.COMMAND_QUEUE_CAPACITY),
                        config.integer(ServerConfig.MAX_PENDING_SYMBOLS)),
                bridge == null ? new MemoryBroker() : bridge);
        engine.onFatal(this::engineFailed);
        try {
            engine.start(); // and the broker: the bridge connects and catches up from the streams
        } catch (RuntimeException e) {
            closeAfterFailure(null);
            throw new StartupFailure(
                    "redis.uri", "cannot start the Redis bridge at " + config.printable(ServerConfig.REDIS_URI), e);
        }
        final AdmissionControl admission = new AdmissionControl(
                config.integer(ServerConfig.MAX_CONNECTIONS),
                config.integer(ServerConfig.CONNECTIONS_PER_IP),
                config.integer(ServerConfig.CONNECTION_BURST_PER_IP),
                config.integer(ServerConfig.ACCEPTS_PER_SECOND),
                config.integer(ServerConfig.ACCEPT_BURST));
        this.context = new ServerContext(config, engine, keys.verifier(), admission);
        this.contextForFailure = context;
        if (engine.failed()) {
            context.setFailed();
        }
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
        if (bridge != null) {
            final BridgeHeartbeat heartbeat = bridge.startHeartbeat(
                    config.longValue(ServerConfig.READY_HEARTBEAT_INTERVAL_MS),
                    config.longValue(ServerConfig.READY_MAX_LAG_MS));
            context.setReadinessCheck(heartbeat::notReadyReason);
        }
        final TickfanMetrics metrics = new TickfanMetrics(context, bridge);
        context.setMetrics(metrics);
        final String metricsPort = config.string(ServerConfig.METRICS_PORT);
        if (metricsPort.isEmpty()) {
            this.metricsServer = null;
        } else {
            try {
                this.metricsServer = MetricsServer.start(
                        transport,
                        config.string(ServerConfig.METRICS_HOST),
                        Integer.parseInt(metricsPort),
                        reusePort,
                        metrics);
            } catch (IllegalStateException e) {
                closeAfterFailure(bridge);
                throw new StartupFailure("metrics.host/metrics.port", e.getMessage(), e.getCause());
            }
        }
        this.connectionSetup = new HttpServerInitializer(context, sslContext);
        if (early != null) {
            this.listener = early;
        } else {
            try {
                this.listener = bind(bootstrap, host, port);
            } catch (StartupFailure e) {
                if (metricsServer != null) {
                    metricsServer.close();
                }
                closeAfterFailure(bridge);
                throw e;
            }
        }
        this.demoFeed = config.bool(ServerConfig.DEMO_ENABLED)
                ? new DemoFeed(
                                engine,
                                config.integer(ServerConfig.DEMO_SYMBOLS),
                                config.integer(ServerConfig.DEMO_RATE))
                        .start()
                : null;
        final String generatedSecret = keys.generatedSecret();
        this.demoToken = generatedSecret == null
                ? null
                : JWT.create()
                        .withSubject("demo")
                        .withExpiresAt(Instant.now().plus(Duration.ofDays(1)))
                        .withArrayClaim("sym", new String[] {"*"})
                        .sign(Algorithm.HMAC256(generatedSecret.getBytes(StandardCharsets.UTF_8)));
        this.demoPublisherToken = generatedSecret == null
                ? null
                : TokenMint.mint(
                        generatedSecret,
                        "demo-publisher",
                        new String[] {"*"},
                        new String[] {"publisher", "admin"},
                        Duration.ofDays(1));
        // The demo page fetches this same printed token; only a throwaway secret's token is ever served.
        context.setDemoPageToken(demoFeed == null ? null : demoToken);
        // Once listening (a start that fails says one thing: why it failed).
        final String backlogCapped = ListenBacklog.capWarning(backlog);
        if (backlogCapped != null) {
            LOG.warn(backlogCapped);
        }
        listener.config().setAutoRead(true); // accept: what queued while starting first
        LOG.info(
                "tickfan listening on {} (transport {}, {} io threads, epoch {})",
                listener.localAddress(),
                transportName,
                countLoops(),
                engine.epoch());
        // Off the way of the first connections: /metrics has the JVM's metrics once start() returns.
        metrics.registerJvmMetrics();
    }

    /**
     * Binds and starts a server; returns once it accepts connections. An engine failure turns it
     * unhealthy and refuses publishes, but does not end the process (embedding, tests).
     */
    public static TickfanServer start(ServerConfig config) throws Exception {
        return new TickfanServer(config, status -> {});
    }

    /**
     * As {@link #start(ServerConfig)}, and {@code exit} is called with {@link #FATAL_EXIT_STATUS}
     * when an engine thread fails ({@code Main}: halt, so the orchestrator restarts the pod).
     */
    public static TickfanServer start(ServerConfig config, IntConsumer exit) throws Exception {
        return new TickfanServer(config, exit);
    }

    /**
     * An engine thread failed (out of memory, a bug): the pod cannot keep its promises, so it says
     * so at once (health and readiness 503, publishes refused) and exits to be restarted. Runs on
     * the failed thread, possibly out of memory: the flags first, the message after.
     */
    private void engineFailed(String threadName, Throwable cause) {
        final ServerContext c = contextForFailure;
        if (c != null) {
            c.setFailed();
        }
        try {
            LOG.error(
                    "fatal: engine thread {} failed ({}); health and readiness are 503, publishes are refused;"
                            + " exiting with status {} so the orchestrator restarts this pod",
                    threadName,
                    cause,
                    FATAL_EXIT_STATUS,
                    cause);
        } catch (Throwable ignored) {
            // Out of memory even for the message: exit anyway.
        }
        exit.accept(FATAL_EXIT_STATUS);
    }

    private int countLoops() {
        int n = 0;
        for (var ignored : workers) {
            n++;
        }
        return n;
    }

    private static io.netty.handler.ssl.SslContext tls(ServerConfig config) {
        try {
            return TlsContexts.fromConfig(config);
        } catch (Exception e) {
            throw new StartupFailure("tls.certFile/tls.keyFile", "cannot build the TLS context", e);
        }
    }

    /**
     * Binds the listener, which accepts nothing until its auto-read is turned on.
     *
     * @throws StartupFailure naming the setting when the port cannot be bound
     */
    private Channel bind(ServerBootstrap bootstrap, String host, int port) {
        final var bound = bootstrap.bind(host, port).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            // With SO_REUSEPORT a port already taken means its listener was bound without it.
            throw new StartupFailure(
                    reusePort ? "host/port/transport.reusePort" : "host/port",
                    "cannot bind " + host + ":" + port
                            + (reusePort ? " (a pod already on it must run with transport.reusePort=true too)" : ""),
                    bound.cause());
        }
        return bound.channel();
    }

    /** Stops what a start that failed before the engine had started: the listener (if bound) and the loops. */
    private void stopListening(Channel listening) {
        if (listening != null) {
            listening.close().awaitUninterruptibly();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** Stops what a failed start had started (the bridge, if given, the engine, the loops). */
    private void closeAfterFailure(RedisBridge startedBridge) {
        if (startedBridge != null) {
            startedBridge.close();
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        engine.closeSequencer();
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        engine.close();
    }

    /**
     * Starts a drain: readiness goes false, new connections get 503 with Retry-After, and every
     * client is told to reconnect at a random delay within {@code drain.windowMs}. With {@code
     * transport.reusePort} the pod first stops listening (its metrics port too), so that a successor
     * listening on the same port takes every new connection, the drained clients' included.
     *
     * @return sessions told to go
     */
    public int startDrain() {
        context.setReady(false);
        if (reusePort && listener.isOpen()) {
            // Waits for the accept loop (never this thread's: a drain comes from a signal hook or an
            // io loop's admin request) so that no client told to go can reach this pod again.
            final int port = port();
            listener.close().awaitUninterruptibly();
            if (metricsServer != null) {
                metricsServer.stopListening();
            }
            LOG.info(
                    "draining: stopped listening on port {} (transport.reusePort: a successor takes new connections)",
                    port);
        }
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

    /** The bound {@code metrics.port}, or -1 when /metrics is served on the main port only. */
    public int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
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

    /**
     * With a random secret (no key configured): a token with the publisher and admin roles, for a
     * feed handler, loadgen and /metrics on the main port; else null.
     */
    public String demoPublisherToken() {
        return demoPublisherToken;
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
        if (metricsServer != null) {
            metricsServer.close();
        }
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
