package io.tickfan.loadgen;

import io.tickfan.client.Backoff;
import io.tickfan.client.ClientOptions;
import io.tickfan.client.ClientTransport;
import io.tickfan.client.TickfanClient;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * N subscribing clients on a shared transport: spread over the target URLs round-robin, opened at
 * a bounded rate, and bound to source addresses 127.0.0.2 and up once one address has used its
 * share of the ephemeral port range.
 */
final class Fleet implements AutoCloseable {
    final List<TickfanClient> clients = new ArrayList<>();
    final FleetStats stats;
    final SymbolPlan plan;

    Fleet(
            ClientTransport transport,
            List<URI> urls,
            String token,
            SymbolPlan plan,
            Backoff backoff,
            int connectionsPerSource,
            int maxHz) {
        this.plan = plan;
        final int n = plan.perClient.length;
        this.stats = new FleetStats(n);
        for (int i = 0; i < n; i++) {
            final URI uri = urls.get(i % urls.size());
            ClientOptions options =
                    ClientOptions.of(uri, token).withBackoff(backoff).withMaxHz(maxHz);
            final int block = i / connectionsPerSource;
            if (block > 0) {
                options = options.withLocalAddress(new InetSocketAddress("127.0.0." + (1 + block), 0));
            }
            final TickfanClient client = new TickfanClient(transport, options, stats).attach(i);
            client.subscribe(plan.symbolsOf(i));
            clients.add(client);
        }
    }

    /** Opens every client, at most {@code perSecond} new connections a second (0: no limit). */
    void connect(int perSecond, Progress progress) {
        final long startNs = System.nanoTime();
        for (int i = 0; i < clients.size(); i++) {
            if (perSecond > 0) {
                final long dueNs = startNs + (long) (i * (1e9 / perSecond));
                final long waitNs = dueNs - System.nanoTime();
                if (waitNs > 0) {
                    LockSupport.parkNanos(waitNs);
                }
            }
            clients.get(i).connect();
            if (progress != null) {
                progress.maybePrint();
            }
        }
    }

    /** Waits until {@code condition} holds; false if {@code timeoutMs} passed first. */
    static boolean await(BooleanSupplier condition, long timeoutMs, Progress progress) {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            if (progress != null) {
                progress.maybePrint();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return true;
    }

    boolean allOpen() {
        return stats.openNow.get() >= clients.size();
    }

    /** Every subscription has its baseline (a snapshot, or a first live tick). */
    boolean allBaselined() {
        return stats.snapshots.sum() + stats.firsts.sum() + stats.resets.sum() >= plan.totalSubscriptions();
    }

    boolean allSubscribed() {
        return stats.subscribeAcks.sum() >= clients.size();
    }

    @Override
    public void close() {
        final List<io.netty.util.concurrent.Future<?>> closing = new ArrayList<>(clients.size());
        for (TickfanClient c : clients) {
            closing.add(c.close());
        }
        for (var f : closing) {
            f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
