package io.tickfan.server;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.tickfan.protocol.ClientMessageDecoder;
import io.tickfan.protocol.ProtocolLimits;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.admission.TokenBucketLimiter;
import io.tickfan.server.auth.Authenticator;
import io.tickfan.server.auth.TokenExtractor;
import io.tickfan.server.auth.TokenVerifier;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.http.ClientErrorLog;
import io.tickfan.server.http.OriginPolicy;
import io.tickfan.server.session.AdminActions;
import io.tickfan.server.session.SessionRegistry;
import io.tickfan.server.ws.WebSocketUpgrader;

/**
 * What every connection's handlers share: the engine, the token checks, the decoder and the
 * configured limits, resolved once at startup so handlers read plain fields.
 */
public final class ServerContext {
    public final ServerConfig config;
    public final FanoutEngine engine;
    public final TokenExtractor tokenExtractor;
    /** Browser origins allowed to use the credentials and CORS ({@code http.allowedOrigins}). */
    public final OriginPolicy origins;
    /** The rate-limited one-line log of what went wrong on a connection (shared by all of them). */
    public final ClientErrorLog clientErrors;

    public final ClientMessageDecoder decoder;
    public final String wsPath;
    public final int maxFrameBytes;
    /** The WebSocket frame decoder's settings, shared by every connection. */
    public final WebSocketDecoderConfig wsDecoderConfig;

    public final int maxSubscriptions;
    public final long slowConsumerTimeoutMs;
    public final boolean directWrites;
    public final long lagConflateMs;
    public final long readReceiptMs;
    public final int maxSymbolsPerMessage;
    public final String ssePath;
    public final String pollPath;
    public final long sseHeartbeatMs;
    public final long sseRetryMs;
    public final long pollMaxWaitMs;
    public final TokenBucketLimiter pollLimiter;
    public final Authenticator authenticator;
    public final AdmissionControl admission;
    /** Every open session; its per-loop timers check expiry and keep-alive a quarter of the shortest of those periods apart (10-250 ms). */
    public final SessionRegistry sessions;
    /** Refused upgrades and requests: counted by reason, logged at most once per reason per interval. */
    public final io.tickfan.server.metrics.Refusals refusals;
    /** Time from a decoded request to its answer, per loop and outcome (for {@code /metrics}). */
    public final io.tickfan.server.metrics.UpgradeTimings upgradeTimings;
    /** Every accepted connection (removed on close), so a shutdown can close them all. */
    public final ChannelGroup connections =
            new DefaultChannelGroup("tickfan-connections", GlobalEventExecutor.INSTANCE);

    public final long requestTimeoutMs;
    public final long wsPingIntervalMs;
    public final long wsIdleTimeoutMs;
    public final double messagesPerSecond;
    public final double messageBurst;
    public final double publisherMessagesPerSecond;
    public final double publisherMessageBurst;
    public final int rateViolationsBeforeClose;
    public final long expiryGraceMs;
    /** Whether the demo feed runs: the demo page and its token endpoint are served only then. */
    public final boolean demoEnabled;

    private volatile String demoPageToken;
    private volatile boolean ready = true;
    /** An engine thread failed: liveness and readiness are false until the process exits. */
    private volatile boolean failed;

    private volatile AdminActions adminActions;
    private volatile java.util.function.Supplier<String> readinessCheck = () -> null;
    private volatile io.tickfan.server.metrics.MetricsScraper metrics;

    public ServerContext(ServerConfig config, FanoutEngine engine, TokenVerifier verifier, AdmissionControl admission) {
        this.config = config;
        this.engine = engine;
        this.tokenExtractor =
                new TokenExtractor(config.string(ServerConfig.AUTH_COOKIE), config.bool(ServerConfig.AUTH_QUERY_TOKEN));
        this.origins = new OriginPolicy(config.string(ServerConfig.ALLOWED_ORIGINS));
        this.decoder = new ClientMessageDecoder(new ProtocolLimits(
                config.integer(ServerConfig.MAX_SYMBOLS_PER_MESSAGE),
                config.integer(ServerConfig.MAX_TICKS_PER_PUBLISH),
                ProtocolLimits.DEFAULTS.maxIdLength(),
                ProtocolLimits.DEFAULTS.maxTokenLength()));
        this.wsPath = config.string(ServerConfig.WS_PATH);
        this.maxFrameBytes = config.integer(ServerConfig.WS_MAX_FRAME_BYTES);
        this.wsDecoderConfig = WebSocketUpgrader.decoderConfig(maxFrameBytes);
        this.maxSubscriptions = config.integer(ServerConfig.MAX_SUBSCRIPTIONS);
        this.slowConsumerTimeoutMs = config.longValue(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS);
        this.directWrites = config.bool(ServerConfig.DIRECT_WRITES);
        this.lagConflateMs = config.longValue(ServerConfig.LAG_CONFLATE_MS);
        this.readReceiptMs = config.longValue(ServerConfig.READ_RECEIPT_MS);
        this.maxSymbolsPerMessage = config.integer(ServerConfig.MAX_SYMBOLS_PER_MESSAGE);
        this.ssePath = config.string(ServerConfig.SSE_PATH);
        this.pollPath = config.string(ServerConfig.POLL_PATH);
        this.sseHeartbeatMs = config.longValue(ServerConfig.SSE_HEARTBEAT_MS);
        this.sseRetryMs = config.longValue(ServerConfig.SSE_RETRY_MS);
        this.pollMaxWaitMs = config.longValue(ServerConfig.POLL_MAX_WAIT_MS);
        this.pollLimiter = new TokenBucketLimiter(
                config.integer(ServerConfig.POLL_RATE),
                config.integer(ServerConfig.POLL_BURST),
                TokenBucketLimiter.MAX_KEYS);
        this.authenticator = new Authenticator(
                verifier,
                config.integer(ServerConfig.AUTH_CACHE_ENTRIES),
                Math.max(1, config.integer(ServerConfig.AUTH_THREADS)),
                config.integer(ServerConfig.AUTH_MAX_QUEUED));
        this.admission = admission;
        this.clientErrors =
                new ClientErrorLog(config.integer(ServerConfig.LOG_CLIENT_ERRORS_PER_MINUTE), engine.counters());
        this.upgradeTimings = new io.tickfan.server.metrics.UpgradeTimings(
                engine.dispatchers().stream().map(d -> d.eventLoop()).toList());
        this.refusals = new io.tickfan.server.metrics.Refusals(config.longValue(ServerConfig.LOG_REFUSAL_INTERVAL_MS));
        this.requestTimeoutMs = config.longValue(ServerConfig.REQUEST_TIMEOUT_MS);
        this.wsPingIntervalMs = config.longValue(ServerConfig.WS_PING_INTERVAL_MS);
        this.wsIdleTimeoutMs = config.longValue(ServerConfig.WS_IDLE_TIMEOUT_MS);
        this.sessions = new SessionRegistry(Math.max(
                10,
                Math.min(
                        SessionRegistry.DEFAULT_TIMER_PERIOD_MS,
                        Math.min(Math.min(wsPingIntervalMs, wsIdleTimeoutMs), expiryGraceMsOf(config)) / 4)));
        this.messagesPerSecond = config.integer(ServerConfig.MESSAGES_PER_SECOND);
        this.messageBurst = config.integer(ServerConfig.MESSAGE_BURST);
        this.publisherMessagesPerSecond = config.integer(ServerConfig.PUBLISHER_MESSAGES_PER_SECOND);
        this.publisherMessageBurst = config.integer(ServerConfig.PUBLISHER_MESSAGE_BURST);
        this.rateViolationsBeforeClose = config.integer(ServerConfig.RATE_VIOLATIONS);
        this.expiryGraceMs = config.longValue(ServerConfig.AUTH_EXPIRY_GRACE_MS);
        this.demoEnabled = config.bool(ServerConfig.DEMO_ENABLED);
    }

    /** The read-only demo token the demo page may fetch, or null (a key is configured: never). */
    public String demoPageToken() {
        return demoPageToken;
    }

    public void setDemoPageToken(String token) {
        this.demoPageToken = token;
    }

    /** Whether the server takes new clients (false while draining). */
    public boolean isReady() {
        return ready;
    }

    public void setReady(boolean ready) {
        this.ready = ready;
    }

    /** Whether an engine thread failed (the process is exiting). */
    public boolean isFailed() {
        return failed;
    }

    /** An engine thread failed: {@code /health} and {@code /ready} answer 503 from now on. */
    public void setFailed() {
        this.failed = true;
        this.ready = false;
    }

    /** Why {@code /ready} should answer 503 (draining, or the readiness check's reason), or null. */
    public String notReadyReason() {
        if (failed) {
            return "engine failed";
        }
        return ready ? readinessCheck.get() : "draining";
    }

    /** A check whose non-null answer turns readiness false (the Redis bridge heartbeat). */
    public void setReadinessCheck(java.util.function.Supplier<String> check) {
        this.readinessCheck = check;
    }

    /** The metrics registry, for {@code /metrics} on the main port; null before start-up ends. */
    public io.tickfan.server.metrics.MetricsScraper metrics() {
        return metrics;
    }

    public void setMetrics(io.tickfan.server.metrics.MetricsScraper metrics) {
        this.metrics = metrics;
    }

    public AdminActions adminActions() {
        return adminActions;
    }

    public void setAdminActions(AdminActions actions) {
        this.adminActions = actions;
    }

    private static long expiryGraceMsOf(ServerConfig config) {
        final long graceMs = config.longValue(ServerConfig.AUTH_EXPIRY_GRACE_MS);
        return graceMs > 0 ? graceMs : SessionRegistry.DEFAULT_TIMER_PERIOD_MS * 4;
    }
}
