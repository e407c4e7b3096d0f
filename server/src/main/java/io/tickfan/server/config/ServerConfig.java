package io.tickfan.server.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting of the server, with its default. Values come, lowest precedence first, from the
 * defaults here, environment variables, system properties and command-line flags. Unknown keys
 * and unparsable values are rejected at startup with a message naming the key.
 */
public final class ServerConfig {
    private static final List<Setting> SETTINGS = new ArrayList<>();

    // Network
    public static final Setting HOST = define("host", "0.0.0.0", "Address to bind.");
    public static final Setting PORT =
            define("port", "8080", "TCP port for HTTP/1.1 and WebSocket; 0 picks a free port.");
    public static final Setting TRANSPORT = define(
            "transport",
            "auto",
            "Netty transport: auto (epoll where available, else NIO), epoll, io_uring or nio (docs/benchmarks.md"
                    + " compares epoll and io_uring).");
    public static final Setting IO_THREADS =
            define("ioThreads", "0", "Event-loop threads serving connections; 0 means one per core.");
    public static final Setting TRANSPORT_BACKLOG = define(
            "transport.backlog",
            "16384",
            "Listen backlog (SO_BACKLOG): connections the kernel queues before they are accepted. Capped by net.core.somaxconn (and SYNs by net.ipv4.tcp_max_syn_backlog); a lower cap is logged at start.");
    public static final Setting TRANSPORT_REUSE_PORT = define(
            "transport.reusePort",
            "false",
            "Listen with SO_REUSEPORT, so that a successor pod can listen on the same port beside this one (it joins the port once it is up); this pod then stops listening when it drains (SIGTERM or /admin/drain) and its clients reconnect to the successor. Off: a second pod on the port fails to start.");

    // HTTP and WebSocket
    public static final Setting WS_PATH = define("ws.path", "/ws", "Path of the WebSocket endpoint.");
    public static final Setting HTTP_MAX_HEADER_BYTES =
            define("http.maxHeaderBytes", "8192", "Largest HTTP request header block; larger gets 431.");
    public static final Setting HTTP_MAX_REQUEST_BYTES = define(
            "http.maxRequestBytes", "8192", "Largest HTTP request body accepted before the upgrade; larger gets 413.");
    public static final Setting WS_MAX_FRAME_BYTES = define(
            "ws.maxFrameBytes", "65536", "Largest WebSocket frame payload a client may send; larger closes with 1009.");

    // Auth
    public static final Setting AUTH_HS256_SECRET = define(
            "auth.hs256Secret",
            "",
            "HS256 shared secret. If no key at all is configured the server makes a random one and prints a demo token.");
    public static final Setting AUTH_RS256_PUBLIC_KEY =
            define("auth.rs256PublicKeyFile", "", "PEM file with the RSA public key for RS256 tokens.");
    public static final Setting AUTH_ES256_PUBLIC_KEY =
            define("auth.es256PublicKeyFile", "", "PEM file with the EC P-256 public key for ES256 tokens.");
    public static final Setting AUTH_ISSUER = define("auth.issuer", "", "Required `iss` claim; empty accepts any.");
    public static final Setting AUTH_AUDIENCE = define("auth.audience", "", "Required `aud` claim; empty accepts any.");
    public static final Setting AUTH_LEEWAY_SECONDS =
            define("auth.leewaySeconds", "5", "Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.");
    public static final Setting AUTH_COOKIE =
            define("auth.cookieName", "tickfan_token", "Cookie that may carry the token.");
    public static final Setting AUTH_QUERY_TOKEN = define(
            "auth.allowQueryToken", "false", "Accept `?access_token=` (off: query strings end up in access logs).");

    // Client limits
    public static final Setting MAX_SUBSCRIPTIONS =
            define("limits.maxSubscriptionsPerConnection", "1000", "Most symbols one connection may be subscribed to.");
    public static final Setting MAX_SYMBOLS_PER_MESSAGE =
            define("limits.maxSymbolsPerMessage", "500", "Most symbols in one subscribe or unsubscribe.");
    public static final Setting MAX_TICKS_PER_PUBLISH =
            define("limits.maxTicksPerPublish", "1000", "Most ticks in one publish batch.");
    public static final Setting MAX_SYMBOLS = define(
            "limits.maxSymbols",
            "100000",
            "Most distinct published symbols the server tracks (kept until restart); past it a publish of a new"
                    + " symbol gets `capacity`. Subscribers never take room here (see limits.maxPendingSymbols).");

    // Fan-out engine
    public static final Setting INGEST_RING_BYTES = define(
            "fanout.ingestRingBytes", "16777216", "Ingest ring capacity in bytes (power of two); 96 bytes per tick.");
    public static final Setting LOOP_QUEUE_CAPACITY = define(
            "fanout.loopQueueCapacity",
            "65536",
            "Ticks queued from the sequencer to one event loop before the sequencer waits.");
    public static final Setting COMMAND_QUEUE_CAPACITY = define(
            "fanout.commandQueueCapacity",
            "65536",
            "Commands queued to the sequencer past which a subscribe is refused (WebSocket error overloaded, SSE and"
                    + " poll 503); unsubscribes always queue.");
    public static final Setting LOOP_DRAIN_LIMIT = define(
            "fanout.loopDrainLimit",
            "4096",
            "Most queued ticks one event loop writes before it flushes and yields to I/O.");
    public static final Setting HISTORY_TICKS =
            define("history.ticksPerSymbol", "1024", "Ticks kept per symbol for resume (`since`, `Last-Event-ID`).");
    public static final Setting HISTORY_MAX_AGE_MS = define(
            "history.maxAgeMs",
            "300000",
            "Oldest tick kept for resume, in milliseconds; older resume points get `reset`.");

    // Slow consumers
    public static final Setting WRITE_HIGH_WATER = define(
            "outbound.highWaterMarkBytes",
            "524288",
            "Outbound bytes queued on a connection before its ticks are conflated (latest per symbol) instead of written.");
    public static final Setting SLOW_CONSUMER_TIMEOUT_MS = define(
            "outbound.slowConsumerTimeoutMs",
            "10000",
            "How long a connection may stay conflated before it is closed as a slow consumer (WebSocket 4008).");

    public static final Setting DIRECT_WRITES = define(
            "outbound.directWrites",
            "true",
            "Write each batch of ticks to a plain (non-TLS) epoll or io_uring socket in one gathering write straight"
                    + " from the shared frames (io_uring: one writev submission), instead of one pipeline message per"
                    + " tick.");
    public static final Setting LAG_CONFLATE_MS = define(
            "outbound.lagConflateMs",
            "1000",
            "How long a connection may keep bytes the kernel did not take (still unwritten as each batch comes) before its ticks"
                    + " are conflated, even below the high-water mark.");
    public static final Setting KERNEL_UNSENT_BYTES = define(
            "outbound.kernelUnsentBytes",
            "0",
            "TCP_NOTSENT_LOWAT of client connections (epoll, io_uring): the kernel takes no more once this many bytes"
                    + " wait unsent, so a stalled reader's backlog shows in the server within a fraction of a second;"
                    + " 0 leaves it to the OS (unbounded up to the send buffer).");
    public static final Setting READ_RECEIPT_MS = define(
            "outbound.readReceiptMs",
            "500",
            "While ticks flow to a connection, a read receipt at most this often (a WebSocket ping, the first one"
                    + " ahead of the first subscribe ack; on HTTP/2 a PING frame shared by the connection's SSE"
                    + " streams); a client that has answered one, owes one and answers none within"
                    + " outbound.lagConflateMs stopped reading (bytes in kernel buffers included) and its ticks are"
                    + " conflated, within about 1.5 s of the stall. A client that never answers is judged by bytes"
                    + " only. 0: off, stalled readers are then seen only once the kernel's buffers are full"
                    + " (docs/decisions/0002-slow-consumers.md).");

    // SSE, HTTP/2, TLS, long polling
    public static final Setting SSE_PATH = define("sse.path", "/sse", "Path of the Server-Sent Events endpoint.");
    public static final Setting SSE_HEARTBEAT_MS =
            define("sse.heartbeatMs", "15000", "Interval of SSE heartbeat comments on an idle stream.");
    public static final Setting SSE_RETRY_MS =
            define("sse.retryMs", "2000", "`retry:` hint sent to EventSource clients, in milliseconds.");
    public static final Setting H2_MAX_STREAMS = define(
            "http2.maxConcurrentStreams",
            "1000",
            "Most concurrent streams (SSE subscriptions) on one HTTP/2 connection.");
    public static final Setting SOCKET_SEND_BUFFER = define(
            "outbound.socketSendBufferBytes",
            "0",
            "SO_SNDBUF of client connections; 0 leaves it to the OS (autotuned, up to tcp_wmem). A bound makes stalled clients show sooner.");
    public static final Setting TLS_CERT = define(
            "tls.certFile",
            "",
            "PEM certificate chain; with tls.keyFile the port also speaks TLS (ALPN h2 and http/1.1).");
    public static final Setting TLS_KEY = define("tls.keyFile", "", "PEM PKCS#8 private key for tls.certFile.");
    public static final Setting TLS_SELF_SIGNED = define(
            "tls.selfSigned", "false", "Development only: make a self-signed certificate for localhost at startup.");
    public static final Setting POLL_PATH = define("poll.path", "/poll", "Path of the long-polling fallback.");
    public static final Setting POLL_MAX_WAIT_MS =
            define("poll.maxWaitMs", "25000", "Longest a poll waits for a tick before answering empty.");
    public static final Setting POLL_RATE = define(
            "poll.requestsPerSecondPerIp",
            "5",
            "Sustained polls per second one client address may make (token bucket).");
    public static final Setting POLL_BURST =
            define("poll.burst", "10", "Polls one client address may make in a burst.");

    // Admission and hardening
    public static final Setting MAX_CONNECTIONS = define(
            "admission.maxConnections",
            "19000",
            "Most open connections; past it new ones get 503 (a process may hold 20,000 files here).");
    public static final Setting CONNECTIONS_PER_IP = define(
            "admission.connectionsPerSecondPerIp",
            "200",
            "Sustained new connections per second from one client address; past it 429.");
    public static final Setting CONNECTION_BURST_PER_IP =
            define("admission.connectionBurstPerIp", "1000", "New connections one client address may open in a burst.");
    public static final Setting ACCEPTS_PER_SECOND = define(
            "admission.acceptsPerSecond",
            "20000",
            "Sustained new connections per second over all clients; past it 503.");
    public static final Setting ACCEPT_BURST =
            define("admission.acceptBurst", "20000", "New connections accepted in a burst.");
    public static final Setting REQUEST_TIMEOUT_MS = define(
            "http.requestTimeoutMs",
            "10000",
            "Time from connect (or from the last poll answer) to a complete request; slower is closed at its next read, a silent connection after twice this.");
    public static final Setting WS_PING_INTERVAL_MS = define(
            "ws.pingIntervalMs", "30000", "Silence from a WebSocket client after which the server sends a ping.");
    public static final Setting WS_IDLE_TIMEOUT_MS = define(
            "ws.idleTimeoutMs",
            "90000",
            "Silence (no frame, not even a pong) after which a WebSocket is closed with 1001.");
    public static final Setting MESSAGES_PER_SECOND = define(
            "limits.messagesPerSecond", "100", "Sustained client messages per second per connection (token bucket).");
    public static final Setting MESSAGE_BURST =
            define("limits.messageBurst", "200", "Client messages one connection may send in a burst.");
    public static final Setting PUBLISHER_MESSAGES_PER_SECOND = define(
            "limits.publisherMessagesPerSecond",
            "100000",
            "Sustained messages per second from a connection whose token has the publisher role.");
    public static final Setting PUBLISHER_MESSAGE_BURST =
            define("limits.publisherMessageBurst", "100000", "Messages a publisher connection may send in a burst.");
    public static final Setting RATE_VIOLATIONS = define(
            "limits.rateViolationsBeforeClose",
            "20",
            "Messages refused for rate before the connection is closed with 4029.");
    public static final Setting AUTH_CACHE_ENTRIES = define(
            "auth.cacheMaxEntries",
            "100000",
            "Verified tokens remembered (by SHA-256, until exp) so reconnects skip verification; 0 disables.");
    public static final Setting AUTH_THREADS =
            define("auth.verifierThreads", "1", "Threads verifying RS256 and ES256 tokens off the event loops.");
    public static final Setting AUTH_MAX_QUEUED = define(
            "auth.maxQueuedVerifications",
            "10000",
            "RS256/ES256 verifications that may wait; past it the upgrade gets 503.");
    public static final Setting AUTH_EXPIRY_GRACE_MS = define(
            "auth.expiryGraceMs",
            "5000",
            "Time after a token's exp before its connection is closed (WebSocket 4002 unless refreshed; an SSE stream"
                    + " gets an error event token_expired and ends).");
    public static final Setting DRAIN_WINDOW_MS = define(
            "drain.windowMs",
            "30000",
            "On SIGTERM or admin drain: clients are told to reconnect at a random moment within this window"
                    + " (counted from the drain's start, however long the server takes to reach each client).");

    // Demo feed
    public static final Setting DEMO_ENABLED = define("demo.enabled", "true", "Run the embedded demo feed.");
    public static final Setting DEMO_SYMBOLS = define("demo.symbols", "50", "Symbols the demo feed quotes.");
    public static final Setting DEMO_RATE =
            define("demo.ticksPerSecond", "1000", "Ticks per second from the demo feed, over all its symbols.");

    // Redis bridge
    public static final Setting REDIS_URI = define(
            "redis.uri",
            "",
            "Redis that bridges the pods, e.g. redis://host:6379; empty runs a standalone pod with no Redis at all. "
                    + "With redis.cluster, one or more seed nodes, comma-separated.");
    public static final Setting REDIS_CLUSTER = define(
            "redis.cluster",
            "false",
            "redis.uri names Redis Cluster seed nodes: the shards' streams are spread over the masters by key slot. "
                    + "Use more shards than masters so every master owns one.");
    public static final Setting REDIS_KEY_PREFIX =
            define("redis.keyPrefix", "tickfan", "Prefix of every Redis key the bridge uses.");
    public static final Setting REDIS_SHARDS = define(
            "redis.shards",
            "1",
            "Streams the symbols are spread over (by symbol hash); every pod reads all. Every pod must use the same count.");
    public static final Setting REDIS_MAX_LEN = define(
            "redis.maxLen",
            "50000",
            "Entries kept per stream (`XADD MAXLEN ~`); an entry is one append batch of 1 to redis.batchTicks ticks."
                    + " The retention for backfill and for readers that fall behind.");
    public static final Setting REDIS_BATCH_TICKS =
            define("redis.batchTicks", "512", "Most ticks in one stream entry (one script call), at most 4096.");
    public static final Setting REDIS_MAX_IN_FLIGHT =
            define("redis.maxInFlightBatches", "16", "Append batches pipelined to Redis before the writer waits.");
    public static final Setting REDIS_OUTBOUND_BUFFER_TICKS = define(
            "redis.outboundBufferTicks",
            "1000000",
            "Published ticks buffered while Redis is unreachable (tickfan_bridge_buffered_ticks); past it the oldest are dropped and counted.");
    public static final Setting REDIS_READ_BATCH = define(
            "redis.readBatch",
            "64",
            "Most stream entries (each one append batch of ticks) one blocking XREAD returns.");
    public static final Setting REDIS_READ_BLOCK_MS =
            define("redis.readBlockMs", "500", "How long one XREAD blocks waiting for entries.");
    public static final Setting REDIS_COMMAND_TIMEOUT_MS = define(
            "redis.commandTimeoutMs",
            "2000",
            "A Redis command not answered within this is failed and retried after a reconnect.");
    public static final Setting REDIS_RECONNECT_MIN_MS =
            define("redis.reconnectMinMs", "20", "First reconnect delay after a Redis failure (doubles per attempt).");
    public static final Setting REDIS_RECONNECT_MAX_MS =
            define("redis.reconnectMaxMs", "1000", "Longest delay between reconnect attempts.");
    public static final Setting REDIS_DEGRADED_AFTER_MS = define(
            "redis.degradedAfterMs",
            "500",
            "How long appends to Redis may fail or go unanswered before the pod numbers and delivers ticks"
                    + " published to it locally (degraded mode) while it keeps buffering them for Redis.");
    public static final Setting REDIS_REJOIN_MATCH_TICKS = define(
            "redis.rejoinMatchTicks",
            "65536",
            "Newest ticks (over all symbols) whose digests a pod keeps so that, when Redis restarts empty,"
                    + " the ticks a publishing pod resends into the new epoch are not delivered twice.");
    public static final Setting REDIS_REJOIN_RESEND_MS = define(
            "redis.rejoinResendMs",
            "2000",
            "When Redis restarts empty, a pod resends the batches its reader read back within this long"
                    + " before (another pod's reader may have been behind) as well as those not read back.");
    public static final Setting REDIS_BACKFILL_MAX_ENTRIES = define(
            "redis.backfillMaxEntries",
            "4096",
            "Most stream entries one resume may read (XREVRANGE) when history lacks the range; past it: reset.");
    public static final Setting REDIS_BACKFILL_MAX_TICKS = define(
            "redis.backfillMaxTicks",
            "20000",
            "Most ticks of one symbol a resume may be served from the stream; past it: reset.");
    public static final Setting REDIS_BACKFILL_MAX_PENDING = define(
            "redis.backfillMaxPending",
            "256",
            "Backfill requests queued to the backfill thread; a resume that finds the queue full gets reset.");
    public static final Setting REDIS_RESUME_CATCH_UP_MS = define(
            "redis.resumeCatchUpMs",
            "1000",
            "How long a resume whose point this pod has not reached yet (the client's last pod read the streams"
                    + " further) waits for this pod to catch up before it is answered (then: reset). 0: no wait.");
    public static final Setting REDIS_RESUME_CATCH_UP_MAX_PENDING = define(
            "redis.resumeCatchUpMaxPending",
            "16384",
            "Most resumes waiting at once for this pod to catch up; past it a resume is answered at once.");
    public static final Setting REDIS_STARTUP_TIMEOUT_MS = define(
            "redis.startupTimeoutMs",
            "10000",
            "How long a starting pod waits for Redis (epoch, backfill) before it gives up and fails to start.");
    public static final Setting MAX_PENDING_SYMBOLS = define(
            "limits.maxPendingSymbols",
            "10000",
            "Most symbols subscribed to but never published, held at once (over all connections); past it such a"
                    + " subscribe gets `capacity`. Never takes room from limits.maxSymbols.");
    public static final Setting ALLOWED_ORIGINS = define(
            "http.allowedOrigins",
            "",
            "Comma-separated browser origins (`https://app.example.com`) allowed to use /ws, /sse and /poll and"
                    + " given CORS access to /sse and /poll; empty: a token from a cookie only from the server's own"
                    + " origin.");
    public static final Setting LOG_CLIENT_ERRORS_PER_MINUTE = define(
            "log.clientErrorsPerMinute",
            "10",
            "Lines logged per minute for each kind of client-caused error (bad TLS handshake, reset); the rest"
                    + " are counted and summed up in the next line.");

    // Operations: metrics, readiness
    public static final Setting METRICS_PORT = define(
            "metrics.port",
            "",
            "Port of an unauthenticated /metrics listener (keep it off the clients' Service); empty serves /metrics"
                    + " on the main port to admin-role tokens only; 0 picks a free port.");
    public static final Setting METRICS_HOST =
            define("metrics.host", "0.0.0.0", "Address the metrics.port listener binds.");
    public static final Setting READY_HEARTBEAT_INTERVAL_MS = define(
            "ready.heartbeatIntervalMs",
            "1000",
            "With Redis: how often this pod appends a heartbeat to each shard's heartbeat stream and reads back the"
                    + " newest one.");
    public static final Setting READY_MAX_LAG_MS = define(
            "ready.maxLagMs",
            "5000",
            "With Redis: /ready answers 503 (and says which shard) when a shard's newest heartbeat read is older than"
                    + " this, or its stream reader has not completed a read for this long plus redis.readBlockMs.");

    public static final Setting LOG_FORMAT = define(
            "log.format",
            "plain",
            "plain, or json: one JSON object per line with ts, level, logger, thread, msg and (for an exception,"
                    + " class and message only) error.");
    public static final Setting LOG_REFUSAL_INTERVAL_MS = define(
            "log.refusalIntervalMs",
            "1000",
            "At most one log line per refusal status and reason (401 token expired, 429, ...) per interval; the"
                    + " refusals in between are counted and the next line says how many.");

    private final Map<String, String> values;
    private final Map<String, String> sources;

    private ServerConfig(Map<String, String> values) {
        this(values, new LinkedHashMap<>());
    }

    private ServerConfig(Map<String, String> values, Map<String, String> sources) {
        this.values = values;
        this.sources = sources;
    }

    /** Every setting, in documentation order. */
    public static List<Setting> settings() {
        return Collections.unmodifiableList(SETTINGS);
    }

    /** The defaults alone. */
    public static ServerConfig defaults() {
        return new ServerConfig(defaultValues());
    }

    /**
     * Defaults, then environment, then system properties ({@code tickfan.KEY}), then {@code
     * --key=value} arguments.
     *
     * @throws IllegalArgumentException naming the bad argument or key
     */
    public static ServerConfig load(String[] args, Map<String, String> env, java.util.Properties props) {
        final ConfigSources.Resolved resolved = ConfigSources.resolve(SETTINGS, args, env, props);
        final ServerConfig config = new ServerConfig(resolved.values(), resolved.sources());
        for (Setting s : SETTINGS) {
            try {
                config.validate(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " (from " + config.source(s) + ")");
            }
        }
        return config;
    }

    /** Where the value of {@code s} came from: default, file, env, property or flag (with the name). */
    public String source(Setting s) {
        return sources.getOrDefault(s.key(), "set in code");
    }

    /** The value of {@code s} fit to print or log: secrets and URI passwords redacted. */
    public String printable(Setting s) {
        return ConfigSources.redact(s, string(s));
    }

    /** A copy with {@code key} set to {@code value}; for tests and embedding. */
    public ServerConfig with(Setting setting, Object value) {
        final Map<String, String> copy = new LinkedHashMap<>(values);
        copy.put(setting.key(), String.valueOf(value));
        final Map<String, String> copiedSources = new LinkedHashMap<>(sources);
        copiedSources.remove(setting.key());
        final ServerConfig config = new ServerConfig(copy, copiedSources);
        config.validate(setting);
        return config;
    }

    public String string(Setting s) {
        return values.get(s.key());
    }

    public int integer(Setting s) {
        return Integer.parseInt(values.get(s.key()).trim());
    }

    public long longValue(Setting s) {
        return Long.parseLong(values.get(s.key()).trim());
    }

    public boolean bool(Setting s) {
        return Boolean.parseBoolean(values.get(s.key()).trim());
    }

    private void validate(Setting s) {
        final String value = values.get(s.key());
        final String def = s.defaultValue();
        if (def.equals("true") || def.equals("false")) {
            if (!value.equals("true") && !value.equals("false")) {
                throw new IllegalArgumentException(s.key() + " must be true or false, got: " + value);
            }
        } else if (!def.isEmpty() && def.chars().allMatch(Character::isDigit)) {
            try {
                if (Long.parseLong(value.trim()) < 0) {
                    throw new IllegalArgumentException(s.key() + " must not be negative, got: " + value);
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(s.key() + " must be a whole number, got: " + value, e);
            }
        }
        ValueChecks.check(s, value);
    }

    private static Map<String, String> defaultValues() {
        final Map<String, String> values = new LinkedHashMap<>();
        for (Setting s : SETTINGS) {
            values.put(s.key(), s.defaultValue());
        }
        return values;
    }

    private static Setting define(String key, String defaultValue, String description) {
        final Setting s = new Setting(key, defaultValue, description);
        SETTINGS.add(s);
        return s;
    }
}
