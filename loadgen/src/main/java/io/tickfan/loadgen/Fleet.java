package io.tickfan.loadgen;

import io.netty.channel.Channel;
import io.tickfan.client.Backoff;
import io.tickfan.client.ClientOptions;
import io.tickfan.client.ClientTransport;
import io.tickfan.client.SseConnection;
import io.tickfan.client.SseSubscription;
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
 * a bounded rate, and, on loopback, spread over source addresses 127.0.0.1 and up ({@link
 * SourceAddresses}).
 */
final class Fleet implements AutoCloseable {
    final List<TickfanClient> clients = new ArrayList<>();
    final FleetStats stats;
    final SymbolPlan plan;
    private final ClientTransport transport;
    private final java.util.function.IntFunction<String> tokens;
    private final List<SseGroup> sseGroups = new ArrayList<>();
    private final List<Channel> sseChannels = new ArrayList<>();
    /** Source addresses the connections are spread over; 0: the kernel's choice. */
    final int sourceAddresses;

    /** The SSE streams that share one connection. */
    private record SseGroup(
            InetSocketAddress remote,
            InetSocketAddress local,
            SseConnection.Protocol protocol,
            String token,
            List<SseSubscription> subscriptions) {}

    Fleet(
            ClientTransport transport,
            List<URI> urls,
            String token,
            SymbolPlan plan,
            Backoff backoff,
            int connectionsPerSource,
            int maxHz) {
        this(
                transport,
                urls,
                i -> token,
                plan,
                backoff,
                connectionsPerSource,
                maxHz,
                SubscriberOptions.Transport.ws,
                1);
    }

    Fleet(
            ClientTransport transport,
            List<URI> urls,
            java.util.function.IntFunction<String> tokens,
            SymbolPlan plan,
            Backoff backoff,
            int connectionsPerSource,
            int maxHz,
            SubscriberOptions.Transport kind,
            int streamsPerConnection) {
        this.plan = plan;
        this.transport = transport;
        this.tokens = tokens;
        final int n = plan.perClient.length;
        this.stats = new FleetStats(n);
        final int connections =
                kind == SubscriberOptions.Transport.sse_h2 ? (n + streamsPerConnection - 1) / streamsPerConnection : n;
        final SourceAddresses sources = SourceAddresses.forTargets(urls, connections, connectionsPerSource);
        this.sourceAddresses = sources.count();
        if (!kind.webSocket()) {
            final SseConnection.Protocol protocol = kind == SubscriberOptions.Transport.sse_h2
                    ? SseConnection.Protocol.H2C
                    : SseConnection.Protocol.HTTP1;
            final int perConnection = protocol == SseConnection.Protocol.H2C ? streamsPerConnection : 1;
            for (int from = 0; from < n; from += perConnection) {
                final List<SseSubscription> group = new ArrayList<>();
                for (int i = from; i < Math.min(n, from + perConnection); i++) {
                    group.add(new SseSubscription(plan.symbolsOf(i), stats, i));
                }
                final URI uri = urls.get(sseGroups.size() % urls.size());
                sseGroups.add(new SseGroup(
                        InetSocketAddress.createUnresolved(uri.getHost(), uri.getPort() > 0 ? uri.getPort() : 80),
                        sources.of(sseGroups.size()),
                        protocol,
                        tokens.apply(from),
                        group));
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            // Client i starts on pod i mod P and fails over to the others in turn.
            ClientOptions options = ClientOptions.of(rotated(urls, i), tokens.apply(i))
                    .withBackoff(backoff)
                    .withMaxHz(maxHz)
                    .withBinaryTicks(kind == SubscriberOptions.Transport.ws_bin);
            final InetSocketAddress source = sources.of(i);
            if (source != null) {
                options = options.withLocalAddress(source);
            }
            final TickfanClient client = new TickfanClient(transport, options, stats).attach(i);
            client.subscribe(plan.symbolsOf(i));
            clients.add(client);
        }
    }

    /** {@code urls} starting at index {@code i mod size}, wrapping around. */
    static List<URI> rotated(List<URI> urls, int i) {
        final List<URI> r = new ArrayList<>(urls.size());
        for (int k = 0; k < urls.size(); k++) {
            r.add(urls.get((i + k) % urls.size()));
        }
        return r;
    }

    /** Sets SO_RCVBUF on every WebSocket client not yet connected (0: kernel default). */
    Fleet receiveBufferBytes(int bytes) {
        for (int i = 0; i < clients.size(); i++) {
            final TickfanClient client = new TickfanClient(
                            transport, clients.get(i).options().withReceiveBufferBytes(bytes), stats)
                    .attach(i);
            client.subscribe(plan.symbolsOf(i));
            clients.set(i, client);
        }
        return this;
    }

    /** Opens every client, at most {@code perSecond} new connections a second (0: no limit). */
    void connect(int perSecond, Progress progress) {
        final long startNs = System.nanoTime();
        for (int i = 0; i < sseGroups.size(); i++) {
            pace(startNs, i, perSecond);
            final SseGroup g = sseGroups.get(i);
            sseChannels.add(
                    SseConnection.open(transport, g.remote(), g.local(), g.token(), g.protocol(), g.subscriptions()));
            if (progress != null) {
                progress.maybePrint();
            }
        }
        for (int i = 0; i < clients.size(); i++) {
            pace(startNs, i, perSecond);
            clients.get(i).connect();
            if (progress != null) {
                progress.maybePrint();
            }
        }
    }

    private static void pace(long startNs, int i, int perSecond) {
        if (perSecond > 0) {
            final long dueNs = startNs + (long) (i * (1e9 / perSecond));
            final long waitNs = dueNs - System.nanoTime();
            if (waitNs > 0) {
                LockSupport.parkNanos(waitNs);
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

    int size() {
        return plan.perClient.length;
    }

    boolean allOpen() {
        return stats.openNow.get() >= size();
    }

    /** Every subscription has its baseline (a snapshot, or a first live tick). */
    boolean allBaselined() {
        return stats.snapshots.sum() + stats.firsts.sum() + stats.resets.sum() >= plan.totalSubscriptions();
    }

    boolean allSubscribed() {
        return stats.subscribeAcks.sum() >= size();
    }

    @Override
    public void close() {
        for (Channel ch : sseChannels) {
            ch.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        final List<io.netty.util.concurrent.Future<?>> closing = new ArrayList<>(clients.size());
        for (TickfanClient c : clients) {
            closing.add(c.close());
        }
        for (var f : closing) {
            f.awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }
}
