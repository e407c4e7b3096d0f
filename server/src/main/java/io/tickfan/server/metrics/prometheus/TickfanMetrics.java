package io.tickfan.server.metrics.prometheus;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOutboundBuffer;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.tickfan.server.ServerContext;
import io.tickfan.server.bridge.BridgeHeartbeat;
import io.tickfan.server.bridge.RedisBridge;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.metrics.MetricsScraper;
import io.tickfan.server.metrics.UpgradeTimings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The server's Prometheus registry. Every value is read at scrape time from state the server keeps
 * anyway (the engine's {@link Counters}, admission, sessions, the bridge, Netty's allocator), so
 * the hot path pays nothing for it. Names: {@code tickfan_} prefix, counters end in {@code
 * _total}, base units (seconds, bytes). Labels never carry a token, subject or client address.
 *
 * <p>Each engine counter becomes {@code tickfan_<counter name in lower case>_total} with the
 * counter's description as help, so a counter added to the enum shows up without a change here.
 */
public final class TickfanMetrics implements MetricsScraper {
    /**
     * The JVM's metrics, one registry per process: {@code JvmMetrics} keeps every registry it is
     * given for the life of the process, so a server's own registry (and through its callbacks the
     * server) must never be one of them.
     */
    private static final PrometheusRegistry JVM = new PrometheusRegistry();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private volatile boolean withJvm;
    private final ExpositionFormats formats = ExpositionFormats.init();

    /** The server's own metrics; the JVM's are added by {@link #registerJvmMetrics()}. */
    public TickfanMetrics(ServerContext context, RedisBridge bridge) {
        final Counters counters = context.engine.counters();
        for (Counters.Counter c : Counters.Counter.values()) {
            CounterWithCallback.builder()
                    .name("tickfan_" + c.name().toLowerCase(Locale.ROOT) + "_total")
                    .help(c.description())
                    .callback(cb -> cb.call(counters.get(c)))
                    .register(registry);
        }
        GaugeWithCallback.builder()
                .name("tickfan_connections")
                .help("open client connections (all transports, admitted and not yet closed)")
                .callback(cb -> cb.call(context.admission.openConnections()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_sessions")
                .help("open WebSocket and SSE sessions (reachable by a drain)")
                .callback(cb -> cb.call(context.sessions.size()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_sessions_by_transport")
                .help("open sessions by transport: ws, sse-h2 (streams), sse-h1, poll (polls waiting)")
                .labelNames("transport")
                .callback(cb -> context.sessions
                        .statsByTransport()
                        .forEach(t -> cb.call(t.open(), t.transport().label())))
                .register(registry);
        CounterWithCallback.builder()
                .name("tickfan_sessions_opened_total")
                .help("sessions opened by transport (a long poll counts once per request)")
                .labelNames("transport")
                .callback(cb -> context.sessions
                        .statsByTransport()
                        .forEach(t -> cb.call(t.opened(), t.transport().label())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_subscriptions")
                .help("subscriptions of the open sessions, by transport")
                .labelNames("transport")
                .callback(cb -> context.sessions
                        .statsByTransport()
                        .forEach(t -> cb.call(t.subscriptions(), t.transport().label())))
                .register(registry);
        CounterWithCallback.builder()
                .name("tickfan_ticks_written_total")
                .help("ticks handed to a transport for writing (after maxHz and conflation; conflated ones included),"
                        + " by transport, counted per batch")
                .labelNames("transport")
                .callback(cb -> context.sessions
                        .statsByTransport()
                        .forEach(t -> cb.call(t.ticksWritten(), t.transport().label())))
                .register(registry);
        CounterWithCallback.builder()
                .name("tickfan_tick_batches_written_total")
                .help("batches of ticks handed to each transport, a write each (a writev, or pipeline writes and one"
                        + " flush): tickfan_ticks_written_total over this is how many ticks a write carried")
                .labelNames("transport")
                .callback(cb -> context.sessions
                        .statsByTransport()
                        .forEach(t -> cb.call(t.batchesWritten(), t.transport().label())))
                .register(registry);
        CounterWithCallback.builder()
                .name("tickfan_tick_bytes_written_total")
                .help("bytes of the ticks handed to each transport (WebSocket frames, SSE events, poll JSON; not"
                        + " control messages, HTTP/2 frame headers or TLS), counted per batch")
                .labelNames("transport")
                .callback(cb -> context.sessions
                        .statsByTransport()
                        .forEach(t -> cb.call(t.tickBytes(), t.transport().label())))
                .register(registry);
        CounterWithCallback.builder()
                .name("tickfan_ticks_conflated_total")
                .help("ticks lagging subscribers never got because a newer tick of the same symbol replaced them"
                        + " (conflation), by transport")
                .labelNames("transport")
                .callback(cb -> context.sessions
                        .statsByTransport()
                        .forEach(t ->
                                cb.call(t.ticksConflatedAway(), t.transport().label())))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_outbound_pending_bytes")
                .help("bytes queued in Netty for client connections and not yet taken by the kernel (all connections)")
                .callback(cb -> {
                    long pending = 0;
                    for (Channel ch : context.connections) {
                        final ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
                        if (out != null) {
                            pending += out.totalPendingWriteBytes();
                        }
                    }
                    cb.call(pending);
                })
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_ready")
                .help("1 when /ready answers 200, 0 when it answers 503 (draining, or the Redis bridge is wedged)")
                .callback(cb -> cb.call(context.notReadyReason() == null ? 1 : 0))
                .register(registry);
        CounterWithCallback.builder()
                .name("tickfan_upgrades_refused_total")
                .help("upgrades and requests refused before any 101 or 200, by HTTP status and reason")
                .labelNames("status", "reason")
                .callback(cb -> context.refusals.forEach(
                        (status, reason, total) -> cb.call(total, Integer.toString(status), reason)))
                .register(registry);
        registerEngine(context);
        registerAllocator();
        if (bridge != null) {
            registerBridge(bridge);
        }
    }

    /**
     * Adds the JVM's metrics (memory, GC, threads, classes: through JMX, a few hundred classes and
     * 0.1-0.3 s on a 2-core VM), which the server does once it accepts connections.
     */
    public void registerJvmMetrics() {
        JvmMetrics.builder().register(JVM); // once per process: it ignores a registry it has seen
        withJvm = true;
    }

    private void registerEngine(ServerContext context) {
        final FanoutEngine engine = context.engine;
        GaugeWithCallback.builder()
                .name("tickfan_symbols")
                .help("symbols in the table: published (kept for the process's life) and interest-only (subscribed,"
                        + " never published; reclaimed when the last holder leaves)")
                .labelNames("kind")
                .callback(cb -> {
                    cb.call(engine.symbols().publishedCount(), "published");
                    cb.call(engine.symbols().pendingCount(), "interest_only");
                })
                .register(registry);
        final List<LoopDispatcher> loops = engine.dispatchers();
        GaugeWithCallback.builder()
                .name("tickfan_loop_queue_depth")
                .help("ticks and replies queued by the sequencer for an event loop and not yet written")
                .labelNames("loop")
                .callback(cb -> {
                    for (LoopDispatcher d : loops) {
                        cb.call(d.queueDepth(), Integer.toString(d.index()));
                    }
                })
                .register(registry);
        registry.register(new RecorderHistogram(
                "tickfan_tick_latency_seconds",
                "ingest (publish accepted, on the publishing pod) to written on a subscriber's socket; one live"
                        + " tick sampled per event-loop batch",
                List.of(new RecorderHistogram.Series(
                        Labels.EMPTY,
                        loops.stream().map(LoopDispatcher::tickLatency).toList()))));
        final List<RecorderHistogram.Series> outcomes = new ArrayList<>();
        for (int i = 0; i < UpgradeTimings.OUTCOMES.size(); i++) {
            outcomes.add(new RecorderHistogram.Series(
                    Labels.of("outcome", UpgradeTimings.OUTCOMES.get(i)), context.upgradeTimings.recorders(i)));
        }
        registry.register(new RecorderHistogram(
                "tickfan_upgrade_duration_seconds",
                "decoded request to answer (101/200 or refusal) for WebSocket upgrades, SSE streams and polls,"
                        + " token verification included; refusals before the token check (429) are not timed",
                outcomes));
    }

    private void registerAllocator() {
        final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        if (!(alloc instanceof ByteBufAllocatorMetricProvider provider)) {
            return;
        }
        final ByteBufAllocatorMetric metric = provider.metric();
        GaugeWithCallback.builder()
                .name("tickfan_netty_allocator_used_bytes")
                .help("bytes held by Netty's default buffer allocator")
                .labelNames("memory")
                .callback(cb -> {
                    cb.call(metric.usedDirectMemory(), "direct");
                    cb.call(metric.usedHeapMemory(), "heap");
                })
                .register(registry);
        if (alloc instanceof PooledByteBufAllocator pooled) {
            GaugeWithCallback.builder()
                    .name("tickfan_netty_allocator_pinned_bytes")
                    .help("bytes of pooled buffers currently in use (pinned) in Netty's pooled allocator")
                    .labelNames("memory")
                    .callback(cb -> {
                        cb.call(pooled.pinnedDirectMemory(), "direct");
                        cb.call(pooled.pinnedHeapMemory(), "heap");
                    })
                    .register(registry);
        }
    }

    private void registerBridge(RedisBridge bridge) {
        GaugeWithCallback.builder()
                .name("tickfan_bridge_degraded_mode")
                .help(
                        "1 while ticks published here to some shard are numbered locally (that shard's Redis unreachable)")
                .callback(cb -> cb.call(bridge.isDegraded() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_bridge_buffered_ticks")
                .help("ticks published here that the bridge holds until Redis has appended them (bounded by"
                        + " redis.bufferTicks; grows while Redis is unreachable)")
                .callback(cb -> cb.call(bridge.bufferedTicks()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_bridge_writer_up")
                .help("1 when every shard's writer is connected and appending")
                .callback(cb -> cb.call(bridge.isWriterUp() ? 1 : 0))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_bridge_heartbeat_age_seconds")
                .help("time since the shard's last heartbeat round trip (append and read back)")
                .labelNames("shard")
                .callback(cb -> perShard(bridge, (hb, s) -> cb.call(hb.heartbeatAgeSeconds(s), Integer.toString(s))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_bridge_reader_idle_seconds")
                .help("time since the shard's stream reader last completed an XREAD (at most redis.readBlockMs when"
                        + " healthy)")
                .labelNames("shard")
                .callback(cb -> perShard(bridge, (hb, s) -> cb.call(hb.readerQuietSeconds(s), Integer.toString(s))))
                .register(registry);
        GaugeWithCallback.builder()
                .name("tickfan_bridge_read_lag_seconds")
                .help("age of the newest stream entry the shard's reader read, when it read it (Redis clock vs pod"
                        + " clock)")
                .labelNames("shard")
                .callback(cb -> perShard(bridge, (hb, s) -> cb.call(hb.readLagSeconds(s), Integer.toString(s))))
                .register(registry);
    }

    private interface ShardValue {
        void accept(BridgeHeartbeat hb, int shard);
    }

    private static void perShard(RedisBridge bridge, ShardValue value) {
        final BridgeHeartbeat hb = bridge.heartbeat();
        if (hb == null) {
            return;
        }
        for (int s = 0; s < hb.shards(); s++) {
            value.accept(hb, s);
        }
    }

    /**
     * Scrapes every metric in the format the {@code Accept} header asks for: OpenMetrics when it
     * says so, else the Prometheus text format.
     */
    @Override
    public Scrape scrape(String accept) {
        final ExpositionFormatWriter writer = accept != null && accept.contains("application/openmetrics-text")
                ? formats.getOpenMetricsTextFormatWriter()
                : formats.getPrometheusTextFormatWriter();
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024);
        try {
            writer.write(out, snapshots());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Scrape(out.toByteArray(), writer.getContentType());
    }

    private MetricSnapshots snapshots() {
        final MetricSnapshots own = registry.scrape();
        if (!withJvm) {
            return own;
        }
        final MetricSnapshots.Builder all = MetricSnapshots.builder();
        own.forEach(all::metricSnapshot);
        JVM.scrape().forEach(all::metricSnapshot);
        return all.build();
    }

    public PrometheusRegistry registry() {
        return registry;
    }
}
