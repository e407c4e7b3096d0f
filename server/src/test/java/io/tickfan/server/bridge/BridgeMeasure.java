package io.tickfan.server.bridge;

import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Arrays;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Throwaway measurement of the Redis bridge (not a test; run by hand, see docs/benchmarks.md):
 * throughput through one Redis, added latency publish-on-A to a client on B against the same-pod
 * and standalone paths, and a Redis outage. Prints one line per result.
 *
 * <p>Args: {@code throughput|cluster|latency|outage} [ticks per second] [seconds]; {@code
 * -Dshards=N} sets {@code redis.shards} (default 1; {@code cluster}: 8 over three masters).
 */
public final class BridgeMeasure {
    private static final int SYMBOLS = 100;

    public static void main(String[] args) throws Exception {
        final String what = args.length > 0 ? args[0] : "throughput";
        final int rate = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        final int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        switch (what) {
            case "throughput" -> throughput(rate, seconds);
            case "cluster" -> clusterThroughput(seconds);
            case "standalone" -> standaloneThroughput(seconds);
            case "latency" -> latency(rate, seconds);
            case "outage" -> outage(rate, seconds);
            case "rejoin" -> rejoin(rate, seconds);
            default -> throw new IllegalArgumentException(what);
        }
        System.exit(0);
    }

    private static TickfanServer pod(RedisServer redis) throws Exception {
        return TickfanServerExtension.start(c -> {
            ServerConfig k = c.with(ServerConfig.IO_THREADS, 1)
                    .with(ServerConfig.HISTORY_TICKS, 64)
                    .with(ServerConfig.REDIS_BATCH_TICKS, Integer.getInteger("batchTicks", 512))
                    .with(ServerConfig.REDIS_DEGRADED_AFTER_MS, Integer.getInteger("degradedAfterMs", 500))
                    .with(ServerConfig.REDIS_RECONNECT_MAX_MS, Integer.getInteger("reconnectMaxMs", 1000))
                    .with(
                            ServerConfig.REDIS_OUTBOUND_BUFFER_TICKS,
                            Integer.getInteger("outboundBufferTicks", 1_000_000));
            k = k.with(ServerConfig.REDIS_SHARDS, Integer.getInteger("shards", 1));
            return redis == null ? k : k.with(ServerConfig.REDIS_URI, redis.uri());
        });
    }

    private static TickfanServer clusterPod(RedisCluster cluster) throws Exception {
        return TickfanServerExtension.start(c -> c.with(ServerConfig.IO_THREADS, 1)
                .with(ServerConfig.HISTORY_TICKS, 64)
                .with(ServerConfig.REDIS_BATCH_TICKS, Integer.getInteger("batchTicks", 512))
                .with(ServerConfig.REDIS_SHARDS, Integer.getInteger("shards", 8))
                .with(ServerConfig.REDIS_CLUSTER, true)
                .with(ServerConfig.REDIS_URI, cluster.seedUris()));
    }

    /** The throughput loop through a three-master Redis Cluster, the shards spread over the masters. */
    private static void clusterThroughput(int seconds) throws Exception {
        try (RedisCluster cluster = RedisCluster.start();
                TickfanServer a = clusterPod(cluster);
                TickfanServer b = clusterPod(cluster)) {
            measureThroughput(a, b, seconds, cluster.nodes());
        }
    }

    /** Publishes {@code total} ticks as fast as pod A takes them; measures until pod B sequenced them all. */
    private static void throughput(int unusedRate, int seconds) throws Exception {
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer a = pod(redis);
                TickfanServer b = pod(redis)) {
            measureThroughput(a, b, seconds, java.util.List.of(redis));
        }
    }

    private static void measureThroughput(
            TickfanServer a, TickfanServer b, int seconds, java.util.List<RedisServer> redisServers) {
        final int total = 400_000 * Math.max(1, seconds / 2);
        final long before = b.engine().counters().get(Counters.Counter.TICKS_SEQUENCED);
        final java.util.Map<String, Long> cpuBefore = threadCpu();
        final long redisCpuBefore = cpuNs(redisServers);
        final long start = System.nanoTime();
        publishAll(a, total);
        final long published = System.nanoTime();
        while (a.engine().counters().get(Counters.Counter.BRIDGE_APPENDED) < total) {
            LockSupport.parkNanos(100_000);
        }
        System.out.printf("appended to Redis after %.2f s%n", (System.nanoTime() - start) / 1e9);
        while (b.engine().counters().get(Counters.Counter.TICKS_SEQUENCED) - before < total) {
            LockSupport.parkNanos(100_000);
        }
        final long done = System.nanoTime();
        printCpu(cpuBefore, redisServers, redisCpuBefore, done - start);
        for (RedisServer redis : redisServers) {
            final io.lettuce.core.RedisClient direct = io.lettuce.core.RedisClient.create(redis.uri());
            try (var c = direct.connect()) {
                for (String line : c.sync().info("commandstats").split("\r?\n")) {
                    if (line.contains("evalsha") || line.contains("xread") || line.contains("xadd")) {
                        System.out.println("redis:" + redis.port() + " " + line);
                    }
                }
            } finally {
                direct.shutdown();
            }
        }
        System.out.printf(
                "throughput: %d ticks, published in %.2f s, sequenced on pod B after %.2f s: %.0f ticks/s;"
                        + " appended %d, duplicate batches %d, dropped %d, A degraded %d time(s)%n",
                total,
                (published - start) / 1e9,
                (done - start) / 1e9,
                total / ((done - start) / 1e9),
                a.engine().counters().get(Counters.Counter.BRIDGE_APPENDED),
                a.engine().counters().get(Counters.Counter.BRIDGE_DUPLICATE_BATCHES),
                a.engine().counters().get(Counters.Counter.BRIDGE_DROPPED),
                a.engine().counters().get(Counters.Counter.BRIDGE_DEGRADED));
    }

    /** CPU time per thread role (both pods summed; pool threads grouped by name prefix). */
    private static java.util.Map<String, Long> threadCpu() {
        final java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        final java.util.Map<String, Long> byRole = new java.util.TreeMap<>();
        for (java.lang.management.ThreadInfo info : mx.getThreadInfo(mx.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            final long ns = mx.getThreadCpuTime(info.getThreadId());
            if (ns > 0) {
                byRole.merge(info.getThreadName().replaceAll("-\\d+(-\\d+)*$", "-N"), ns, Long::sum);
            }
        }
        return byRole;
    }

    private static long cpuNs(java.util.List<RedisServer> servers) {
        long ns = 0;
        for (RedisServer r : servers) {
            ns += r.cpuNs();
        }
        return ns;
    }

    private static void printCpu(
            java.util.Map<String, Long> before, java.util.List<RedisServer> redis, long redisBefore, long wallNs) {
        final java.util.Map<String, Long> after = threadCpu();
        final StringBuilder line = new StringBuilder("cpu over " + Math.round(wallNs / 1e6) + " ms wall:");
        after.entrySet().stream()
                .map(e -> java.util.Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
                .filter(e -> e.getValue() > 50_000_000L)
                .sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> line.append(String.format(" %s=%d ms", e.getKey(), e.getValue() / 1_000_000)));
        line.append(String.format(" redis-server=%d ms", (cpuNs(redis) - redisBefore) / 1_000_000));
        System.out.println(line);
    }

    /** Publishes {@code total} ticks over the symbols as fast as {@code a} takes them. */
    private static void publishAll(TickfanServer a, int total) {
        final Tick t = tick();
        final int[] ids = ids(a);
        for (int i = 0; i < total; i++) {
            t.symbol = "M" + (i % SYMBOLS);
            t.bid = 1_000_000 + i;
            t.exchangeTimeNs = EpochNanos.now();
            final int id = ids[i % SYMBOLS];
            if (a.engine().publish(id, t) != IngestRing.OK) {
                RingRetry.untilAccepted(() -> a.engine().publish(id, t), () -> true);
            }
        }
    }

    /** The same publishing loop into one standalone pod: what the engine alone sequences, for comparison. */
    private static void standaloneThroughput(int seconds) throws Exception {
        try (TickfanServer a = pod(null)) {
            final int total = 400_000 * Math.max(1, seconds / 2);
            final long start = System.nanoTime();
            publishAll(a, total);
            while (a.engine().counters().get(Counters.Counter.TICKS_SEQUENCED) < total) {
                LockSupport.parkNanos(100_000);
            }
            final long done = System.nanoTime();
            System.out.printf(
                    "standalone throughput: %d ticks sequenced after %.2f s: %.0f ticks/s%n",
                    total, (done - start) / 1e9, total / ((done - start) / 1e9));
        }
    }

    /** Paced load over 100 symbols; one client subscribed to one symbol measures publish-to-receive. */
    private static void latency(int rate, int seconds) throws Exception {
        try (TickfanServer alone = pod(null)) {
            report("standalone, same pod", measure(alone, alone, rate, seconds));
        }
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer a = pod(redis);
                TickfanServer b = pod(redis)) {
            report("redis, same pod (round trip through Redis)", measure(a, a, rate, seconds));
            report("redis, publish on A, client on B", measure(a, b, rate, seconds));
        }
    }

    private static long[] measure(TickfanServer publishOn, TickfanServer subscribeOn, int rate, int seconds)
            throws Exception {
        final Sampler sampler = new Sampler(rate / SYMBOLS * seconds + 1000);
        final WebSocket ws = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .header("Authorization", "Bearer " + TestTokens.valid())
                .buildAsync(URI.create("ws://127.0.0.1:" + subscribeOn.port() + "/ws"), sampler)
                .join();
        ws.sendText("{\"op\":\"subscribe\",\"id\":\"1\",\"symbols\":[\"M0\"]}", true)
                .join();
        final int[] ids = ids(publishOn);
        final Tick t = tick();
        // warm up one second, then measure
        pace(publishOn, ids, t, rate, 1, null);
        sampler.reset();
        pace(publishOn, ids, t, rate, seconds, null);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        ws.abort();
        return sampler.sorted();
    }

    /** Publishes {@code rate} ticks/s in bursts once a millisecond, parking in between (no core spent spinning). */
    private static void pace(TickfanServer pod, int[] ids, Tick t, int rate, int seconds, AtomicLong counter) {
        final long start = System.nanoTime();
        final long total = (long) rate * seconds;
        long i = 0;
        for (long ms = 0; i < total; ms++) {
            final long due = start + ms * 1_000_000L;
            final long wait = due - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            }
            final long upTo = Math.min(total, (ms + 1) * rate / 1000);
            for (; i < upTo; i++) {
                final int s = (int) (i % SYMBOLS);
                t.symbol = "M" + s;
                t.bid = 1_000_000 + i;
                t.exchangeTimeNs = EpochNanos.now();
                if (pod.engine().publish(ids[s], t) == IngestRing.OK && counter != null) {
                    counter.incrementAndGet();
                }
            }
        }
    }

    /** 10 s (or {@code seconds}) of Redis outage under paced load: drops and time to catch up. */
    private static void outage(int rate, int seconds) throws Exception {
        try (RedisServer redis = RedisServer.start(true);
                TickfanServer a = pod(redis);
                TickfanServer b = pod(redis)) {
            final Sampler sampler = new Sampler(rate / SYMBOLS * (seconds + 20) + 1000);
            final WebSocket ws = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .header("Authorization", "Bearer " + TestTokens.valid())
                    .buildAsync(URI.create("ws://127.0.0.1:" + b.port() + "/ws"), sampler)
                    .join();
            ws.sendText("{\"op\":\"subscribe\",\"id\":\"1\",\"symbols\":[\"M0\"]}", true)
                    .join();
            // A client on the publishing pod: keeps receiving while Redis is down (degraded mode).
            final Sampler onA = new Sampler(rate / SYMBOLS * (seconds + 20) + 1000);
            final WebSocket wsA = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .header("Authorization", "Bearer " + TestTokens.valid())
                    .buildAsync(URI.create("ws://127.0.0.1:" + a.port() + "/ws"), onA)
                    .join();
            wsA.sendText("{\"op\":\"subscribe\",\"id\":\"1\",\"symbols\":[\"M0\"]}", true)
                    .join();
            final int[] ids = ids(a);
            final Tick t = tick();
            final AtomicLong published = new AtomicLong();
            final Thread load = new Thread(() -> pace(a, ids, t, rate, seconds + 10, published), "load");
            load.start();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3));
            final long seqBefore = sampler.lastSeq.get();
            onA.reset();
            redis.kill();
            final long killedAt = System.nanoTime();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
            final long[] whileDownOnA = onA.sorted();
            final long maxSilenceOnAMs = onA.maxSilenceNs.get() / 1_000_000;
            final long receivedOnAWhileDown = onA.received.get();
            redis.start();
            final long restartedAt = System.nanoTime();
            // caught up: the client on B sees a tick whose publish time is after the restart
            final long restartEpochNs = EpochNanos.now();
            while (sampler.lastPublishNs.get() < restartEpochNs) {
                LockSupport.parkNanos(1_000_000);
            }
            final long caughtUp = System.nanoTime();
            load.join();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1));
            ws.abort();
            wsA.abort();
            report("outage: client on A (publishing pod) while Redis was down, publish to receive", whileDownOnA);
            System.out.printf(
                    "outage: client on A received %d ticks of M0 while Redis was down, longest silence %d ms;"
                            + " over the whole run gaps %d, resets %d, last seq %d; A degraded %d time(s), numbered"
                            + " %d ticks alone, confirmed %d, diverged symbols %d%n",
                    receivedOnAWhileDown,
                    maxSilenceOnAMs,
                    onA.gaps.get(),
                    onA.resets.get(),
                    onA.lastSeq.get(),
                    a.engine().counters().get(Counters.Counter.BRIDGE_DEGRADED),
                    a.engine().counters().get(Counters.Counter.BRIDGE_LOCAL_TICKS),
                    a.engine().counters().get(Counters.Counter.BRIDGE_LOCAL_CONFIRMED),
                    a.engine().counters().get(Counters.Counter.BRIDGE_LOCAL_DIVERGED));
            System.out.printf(
                    "outage: %d s down at %d ticks/s (%d published); seq on B before kill %d, after %d, gaps seen %d,"
                            + " resets %d; dropped on A %d; caught up %.0f ms after restart (%.1f s after kill);"
                            + " reconnects A %d B %d%n",
                    seconds,
                    rate,
                    published.get(),
                    seqBefore,
                    sampler.lastSeq.get(),
                    sampler.gaps.get(),
                    sampler.resets.get(),
                    a.engine().counters().get(Counters.Counter.BRIDGE_DROPPED),
                    (caughtUp - restartedAt) / 1e6,
                    (caughtUp - killedAt) / 1e9,
                    a.engine().counters().get(Counters.Counter.BRIDGE_RECONNECTS),
                    b.engine().counters().get(Counters.Counter.BRIDGE_RECONNECTS));
        }
    }

    /**
     * Redis SIGKILLed for {@code seconds} and restarted empty under load published on A: the longest
     * silence a client on A sees from the restart on (the re-join), and what it received.
     */
    private static void rejoin(int rate, int seconds) throws Exception {
        try (RedisServer redis = RedisServer.start(false);
                TickfanServer a = pod(redis);
                TickfanServer b = pod(redis)) {
            final Sampler onA = new Sampler(rate / SYMBOLS * (seconds + 20) + 1000);
            final WebSocket wsA = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .header("Authorization", "Bearer " + TestTokens.valid())
                    .buildAsync(URI.create("ws://127.0.0.1:" + a.port() + "/ws"), onA)
                    .join();
            wsA.sendText("{\"op\":\"subscribe\",\"id\":\"1\",\"symbols\":[\"M0\"]}", true)
                    .join();
            final int[] ids = ids(a);
            final Tick t = tick();
            final AtomicLong published = new AtomicLong();
            final Thread load = new Thread(() -> pace(a, ids, t, rate, seconds + 8, published), "load");
            load.start();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(3));
            redis.kill();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(seconds));
            final long degradedSilenceMs = onA.maxSilenceNs.get() / 1_000_000;
            redis.start();
            onA.reset();
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(4));
            final long rejoinSilenceMs = onA.maxSilenceNs.get() / 1_000_000;
            final long afterRestart = onA.received.get();
            load.join();
            wsA.abort();
            System.out.printf(
                    "rejoin: %d s down at %d ticks/s, restarted empty; client on A: longest silence before the"
                            + " restart %d ms, in the 4 s after it %d ms (%d ticks of M0 received), resets %d; A"
                            + " confirmed %d, reconnects %d, B reconnects %d%n",
                    seconds,
                    rate,
                    degradedSilenceMs,
                    rejoinSilenceMs,
                    afterRestart,
                    onA.resets.get(),
                    a.engine().counters().get(Counters.Counter.BRIDGE_LOCAL_CONFIRMED),
                    a.engine().counters().get(Counters.Counter.BRIDGE_RECONNECTS),
                    b.engine().counters().get(Counters.Counter.BRIDGE_RECONNECTS));
        }
    }

    private static int[] ids(TickfanServer pod) {
        final int[] ids = new int[SYMBOLS];
        for (int i = 0; i < SYMBOLS; i++) {
            ids[i] = pod.engine().symbols().register("M" + i);
        }
        return ids;
    }

    private static Tick tick() {
        final Tick t = new Tick();
        t.fieldMask = Tick.BID | Tick.ASK;
        t.ask = 2_000_000;
        return t;
    }

    private static void report(String what, long[] sortedUs) {
        if (sortedUs.length == 0) {
            System.out.println(what + ": no samples");
            return;
        }
        System.out.printf(
                "%s: n=%d p50=%d us p90=%d us p99=%d us p99.9=%d us max=%d us%n",
                what,
                sortedUs.length,
                sortedUs[sortedUs.length / 2],
                sortedUs[(int) (sortedUs.length * 0.9)],
                sortedUs[(int) (sortedUs.length * 0.99)],
                sortedUs[(int) Math.min(sortedUs.length - 1, sortedUs.length * 0.999)],
                sortedUs[sortedUs.length - 1]);
    }

    /** Records receive time minus the tick's ts (set at publish), in microseconds; checks seq continuity. */
    private static final class Sampler implements WebSocket.Listener {
        private final long[] samples;
        private volatile int count;
        private final StringBuilder partial = new StringBuilder();
        final AtomicLong lastSeq = new AtomicLong();
        final AtomicLong lastPublishNs = new AtomicLong();
        final AtomicLong gaps = new AtomicLong();
        final AtomicLong resets = new AtomicLong();
        final AtomicLong received = new AtomicLong();
        /** Longest time between two ticks since the last {@link #reset()}. */
        final AtomicLong maxSilenceNs = new AtomicLong();

        private volatile long lastReceiveNs;

        Sampler(int capacity) {
            this.samples = new long[capacity];
        }

        void reset() {
            count = 0;
            received.set(0);
            maxSilenceNs.set(0);
            lastReceiveNs = System.nanoTime();
        }

        long[] sorted() {
            final long[] s = Arrays.copyOf(samples, Math.min(count, samples.length));
            Arrays.sort(s);
            return s;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            final long now = EpochNanos.now();
            partial.append(data);
            if (last) {
                final String msg = partial.toString();
                partial.setLength(0);
                final long ts = number(msg, "\"ts\":");
                final long seq = number(msg, "\"seq\":");
                if (ts > 0 && seq > 0 && !msg.contains("\"snap\"")) {
                    final long nowNano = System.nanoTime();
                    if (lastReceiveNs != 0 && nowNano - lastReceiveNs > maxSilenceNs.get()) {
                        maxSilenceNs.set(nowNano - lastReceiveNs);
                    }
                    lastReceiveNs = nowNano;
                    received.incrementAndGet();
                    if (msg.contains("\"reset\"")) {
                        resets.incrementAndGet();
                    } else if (lastSeq.get() != 0 && seq != lastSeq.get() + 1) {
                        gaps.incrementAndGet();
                    }
                    lastSeq.set(seq);
                    lastPublishNs.set(ts);
                    final int c = count;
                    if (c < samples.length) {
                        samples[c] = (now - ts) / 1000;
                        count = c + 1;
                    }
                } else if (seq > 0) {
                    lastSeq.set(seq);
                }
            }
            ws.request(1);
            return null;
        }

        private static long number(String s, String key) {
            final int i = s.indexOf(key);
            if (i < 0) {
                return -1;
            }
            long v = 0;
            for (int j = i + key.length(); j < s.length() && Character.isDigit(s.charAt(j)); j++) {
                v = v * 10 + (s.charAt(j) - '0');
            }
            return v;
        }
    }
}
