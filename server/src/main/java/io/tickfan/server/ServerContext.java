package io.tickfan.server;

import io.netty.handler.codec.http.HttpRequest;
import io.tickfan.protocol.ClientMessageDecoder;
import io.tickfan.protocol.ProtocolLimits;
import io.tickfan.server.admission.TokenBucketLimiter;
import io.tickfan.server.auth.AuthResult;
import io.tickfan.server.auth.TokenExtractor;
import io.tickfan.server.auth.TokenVerifier;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.FanoutEngine;

/**
 * What every connection's handlers share: the engine, the token checks, the decoder and the
 * configured limits, resolved once at startup so handlers read plain fields.
 */
public final class ServerContext {
    public final ServerConfig config;
    public final FanoutEngine engine;
    public final TokenVerifier verifier;
    public final TokenExtractor tokenExtractor;
    public final ClientMessageDecoder decoder;
    public final String wsPath;
    public final int maxFrameBytes;
    public final int maxSubscriptions;
    public final long slowConsumerTimeoutMs;
    public final int maxSymbolsPerMessage;
    public final String ssePath;
    public final String pollPath;
    public final long sseHeartbeatMs;
    public final long sseRetryMs;
    public final long pollMaxWaitMs;
    public final TokenBucketLimiter pollLimiter;

    public ServerContext(ServerConfig config, FanoutEngine engine, TokenVerifier verifier) {
        this.config = config;
        this.engine = engine;
        this.verifier = verifier;
        this.tokenExtractor =
                new TokenExtractor(config.string(ServerConfig.AUTH_COOKIE), config.bool(ServerConfig.AUTH_QUERY_TOKEN));
        this.decoder = new ClientMessageDecoder(new ProtocolLimits(
                config.integer(ServerConfig.MAX_SYMBOLS_PER_MESSAGE),
                config.integer(ServerConfig.MAX_TICKS_PER_PUBLISH),
                ProtocolLimits.DEFAULTS.maxIdLength(),
                ProtocolLimits.DEFAULTS.maxTokenLength()));
        this.wsPath = config.string(ServerConfig.WS_PATH);
        this.maxFrameBytes = config.integer(ServerConfig.WS_MAX_FRAME_BYTES);
        this.maxSubscriptions = config.integer(ServerConfig.MAX_SUBSCRIPTIONS);
        this.slowConsumerTimeoutMs = config.longValue(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS);
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
    }

    /** Checks the token an HTTP request carries (header, subprotocol entry, cookie, or query if enabled). */
    public AuthResult authenticate(HttpRequest request) {
        return verifier.verify(tokenExtractor.extract(request));
    }
}
