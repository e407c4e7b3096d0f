package io.tickfan.server.bridge;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real Redis Cluster of three masters (no replicas), each a {@link RedisServer} child process
 * on a free loopback port, joined with {@code redis-cli --cluster create}. Never the shared Redis
 * on 6379; only the PIDs it started are killed.
 *
 * <p>Nodes run with {@code cluster-require-full-coverage no}, as a bridge deployment without
 * replicas must: the default stops every master answering while one master's slots are down, which
 * would stall every shard for the loss of one. A node killed and started again ({@link
 * RedisServer#kill}, {@link RedisServer#start}) keeps its {@code nodes.conf} (its id and slots)
 * and loses its data, as a master without persistence restarted by its supervisor does.
 */
final class RedisCluster implements AutoCloseable {
    private static final int MASTERS = 3;
    private static final long STARTUP_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);

    private final List<RedisServer> nodes = new ArrayList<>();

    private RedisCluster() {}

    static RedisCluster start() throws Exception {
        final RedisCluster c = new RedisCluster();
        try {
            for (int i = 0; i < MASTERS; i++) {
                c.nodes.add(RedisServer.start(
                        false,
                        List.of(
                                "--cluster-enabled", "yes",
                                "--cluster-config-file", "nodes.conf",
                                "--cluster-node-timeout", "2000",
                                "--cluster-require-full-coverage", "no")));
            }
            c.create();
            for (RedisServer n : c.nodes) {
                c.awaitClusterOk(n);
            }
            return c;
        } catch (Exception | AssertionError e) {
            c.close();
            throw e;
        }
    }

    private void create() throws IOException, InterruptedException {
        final List<String> cmd = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (RedisServer n : nodes) {
            cmd.add("127.0.0.1:" + n.port());
        }
        cmd.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        final Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        final String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("redis-cli --cluster create failed: " + out);
        }
    }

    /** Waits until {@code node} says {@code cluster_state:ok}. */
    void awaitClusterOk(RedisServer node) {
        final long deadline = System.nanoTime() + STARTUP_TIMEOUT_NS;
        while (!clusterInfo(node).contains("cluster_state:ok")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("cluster not ok on " + node.port() + ": " + clusterInfo(node));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // poll, with a deadline
        }
    }

    private static String clusterInfo(RedisServer node) {
        return onNode(node, c -> c.sync().clusterInfo());
    }

    private static String onNode(
            RedisServer node, java.util.function.Function<StatefulRedisConnection<String, String>, String> f) {
        final RedisClient client = RedisClient.create(node.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return f.apply(c);
        } catch (RuntimeException e) {
            return "unreachable: " + e;
        } finally {
            client.shutdown(0, 1, TimeUnit.SECONDS);
        }
    }

    /** Every node as a seed, comma-separated, for {@code redis.uri}. */
    String seedUris() {
        final StringBuilder b = new StringBuilder();
        for (RedisServer n : nodes) {
            b.append(b.length() == 0 ? "" : ",").append(n.uri());
        }
        return b.toString();
    }

    List<RedisServer> nodes() {
        return nodes;
    }

    /** The node that owns {@code key}'s slot, from {@code CLUSTER KEYSLOT} and {@code CLUSTER NODES}. */
    RedisServer ownerOf(String key) {
        final RedisServer any = nodes.get(0);
        final int slot =
                Integer.parseInt(onNode(any, c -> Long.toString(c.sync().clusterKeyslot(key))));
        for (String line : onNode(any, c -> c.sync().clusterNodes()).split("\n")) {
            final String[] f = line.trim().split(" ");
            if (f.length < 9 || !f[2].contains("master")) {
                continue;
            }
            for (int i = 8; i < f.length; i++) {
                final String[] range = f[i].split("-");
                final int from = Integer.parseInt(range[0]);
                final int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
                if (slot >= from && slot <= to) {
                    return nodeAt(f[1]);
                }
            }
        }
        throw new AssertionError("no master owns slot " + slot + " of " + key);
    }

    private RedisServer nodeAt(String address) {
        final int port = Integer.parseInt(address.substring(address.indexOf(':') + 1, address.indexOf('@')));
        for (RedisServer n : nodes) {
            if (n.port() == port) {
                return n;
            }
        }
        throw new AssertionError("not one of ours: " + address);
    }

    @Override
    public void close() {
        for (RedisServer n : nodes) {
            n.close();
        }
    }
}
