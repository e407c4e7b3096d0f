package io.tickfan.server.bridge;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Where the bridge's Redis is: one server ({@link RedisClient}) or a Redis Cluster ({@link
 * RedisClusterClient}, {@code redis.cluster=true}, seed nodes comma-separated in {@code
 * redis.uri}). Hands out {@link RedisLink}s; everything above it is the same for both.
 */
abstract class RedisEndpoint {
    /** Opens a new connection; throws a {@link RedisException} when Redis is not reachable. */
    abstract RedisLink connect();

    abstract void shutdown();

    /** Lettuce's switch for forwarding its events to Java Flight Recorder. */
    static final String LETTUCE_JFR = "io.lettuce.core.jfr";

    /** The client's threads and reconnect delays (the caller shuts them down). */
    static ClientResources resources(BridgeSettings settings) {
        // Lettuce forwards its connection events to Java Flight Recorder whenever the JDK has it:
        // JFR's classes and event registration cost a pod's start about 0.15 s, and nothing here
        // reads those events. Set before Lettuce first records one; -Dio.lettuce.core.jfr=true wins.
        if (System.getProperty(LETTUCE_JFR) == null) {
            System.setProperty(LETTUCE_JFR, "false");
        }
        return DefaultClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(1)
                .reconnectDelay(Delay.fullJitter(
                        Duration.ofMillis(Math.max(1, settings.reconnectMinMs())),
                        Duration.ofMillis(settings.reconnectMaxMs()),
                        Math.max(1, settings.reconnectMinMs()),
                        TimeUnit.MILLISECONDS))
                .build();
    }

    static RedisEndpoint create(BridgeSettings settings, ClientResources resources) {
        return settings.cluster() ? new Cluster(settings, resources) : new Single(settings, resources);
    }

    /** What both clients share: reconnect, fail fast while disconnected, bounded connect and command time. */
    private static <B extends ClientOptions.Builder> B common(B b, BridgeSettings settings) {
        b.autoReconnect(true)
                // Fail fast while disconnected: the writer buffers (bounded) and resends itself.
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder()
                        .connectTimeout(Duration.ofMillis(settings.commandTimeoutMs()))
                        .build())
                .timeoutOptions(TimeoutOptions.enabled(
                        Duration.ofMillis(settings.commandTimeoutMs() + settings.readBlockMs())));
        return b;
    }

    private static final class Single extends RedisEndpoint {
        private final RedisClient client;

        Single(BridgeSettings settings, ClientResources resources) {
            this.client = RedisClient.create(resources, RedisURI.create(settings.uri()));
            client.setOptions(common(ClientOptions.builder(), settings).build());
        }

        @Override
        RedisLink connect() {
            final StatefulRedisConnection<String, String> c = client.connect();
            return new RedisLink(c, c.sync(), c.async(), (lua, key) -> c.sync().scriptLoad(lua));
        }

        @Override
        void shutdown() {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static final class Cluster extends RedisEndpoint {
        /** How often the slot map is re-read even without a hint (MOVED, reconnects trigger it at once). */
        private static final Duration TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);

        private final RedisClusterClient client;

        Cluster(BridgeSettings settings, ClientResources resources) {
            final List<RedisURI> seeds = new ArrayList<>();
            for (String seed : settings.uri().split(",")) {
                if (!seed.isBlank()) {
                    seeds.add(RedisURI.create(seed.trim()));
                }
            }
            this.client = RedisClusterClient.create(resources, seeds);
            client.setOptions(common(ClusterClientOptions.builder(), settings)
                    // A failover moves a shard to another master. Lettuce 7 re-reads the slot map on every
                    // adaptive trigger by default (MOVED, ASK, persistent reconnects, uncovered slot,
                    // unknown node); a periodic refresh also catches a change no command ran into.
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enablePeriodicRefresh(TOPOLOGY_REFRESH_PERIOD)
                            .build())
                    .build());
        }

        @Override
        RedisLink connect() {
            final StatefulRedisClusterConnection<String, String> c = client.connect();
            connectToMasters(c);
            return new RedisLink(c, c.sync(), c.async(), (lua, key) -> loadOnMasterOf(c, lua, key));
        }

        /**
         * Node connections are opened lazily, and with {@code REJECT_COMMANDS} Lettuce 7 rejects a
         * command that would wait for one (it cannot tell "not yet connected" from "lost"): the
         * first command of every fresh link would fail. Opening them up front costs a connection
         * per master per link. A master down now is skipped; its commands fail until it is back.
         */
        private static void connectToMasters(StatefulRedisClusterConnection<String, String> c) {
            for (RedisClusterNode node : c.getPartitions()) {
                if (!node.getSlots().isEmpty()) { // a master
                    try {
                        // By host and port: the key Lettuce routes slot commands under (not the node id).
                        c.getConnection(node.getUri().getHost(), node.getUri().getPort());
                    } catch (RedisException e) {
                        // that master is unreachable: the shard's reader and writer retry with backoff
                    }
                }
            }
        }

        /**
         * Scripts are cached per node and not replicated, and Lettuce's cluster {@code scriptLoad}
         * goes to every node and fails when any one is down: that would keep every shard's writer
         * from resyncing while one master is away. Loading on the shard's own master does not.
         */
        private static String loadOnMasterOf(StatefulRedisClusterConnection<String, String> c, String lua, String key) {
            final RedisClusterNode master = c.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
            if (master == null) {
                throw new RedisException("no master serves the slot of " + key);
            }
            return c.getConnection(master.getUri().getHost(), master.getUri().getPort())
                    .sync()
                    .scriptLoad(lua);
        }

        @Override
        void shutdown() {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }
}
