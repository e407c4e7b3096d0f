package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** One symbol, 1,000 real WebSocket clients: every client gets every tick, once, in order. */
class WebSocketBroadcastIT {
    private static final int CLIENTS = 1000;
    private static final int TICKS = 200;
    private static final int CONNECT_BATCH = 100;
    private static final String BARRIER = "BCAST.BARRIER";
    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension();

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void shouldDeliverEveryTickToEachOfAThousandSubscribersExactlyOnceInOrder() {
        final String sym = "BCAST";
        final String token = TestTokens.valid();
        final List<TestClient> clients = new ArrayList<>(CLIENTS);
        try {
            for (int start = 0; start < CLIENTS; start += CONNECT_BATCH) {
                final List<CompletableFuture<TestClient>> batch = new ArrayList<>();
                for (int i = start; i < Math.min(CLIENTS, start + CONNECT_BATCH); i++) {
                    batch.add(TestClient.connectAsync(server.wsUri(), token));
                }
                batch.forEach(f -> clients.add(f.join()));
            }
            final List<String> ids = new ArrayList<>(CLIENTS);
            for (TestClient c : clients) {
                ids.add(c.subscribe(sym, BARRIER));
            }
            for (int i = 0; i < CLIENTS; i++) {
                clients.get(i).awaitAck(ids.get(i));
            }
            // The ack precedes the engine taking the subscription; a barrier tick, subscribed in the
            // same command, proves every client is live before the ticks under test go out.
            server.publish(Ticks.numbered(BARRIER, 1));
            for (TestClient c : clients) {
                c.awaitTicks(BARRIER, 1, DELIVERY_TIMEOUT);
            }

            for (int i = 1; i <= TICKS; i++) {
                server.publish(Ticks.numbered(sym, i));
            }

            final List<Long> expected = Ticks.range(1, TICKS);
            for (int i = 0; i < CLIENTS; i++) {
                final TestClient c = clients.get(i);
                final List<Tick> ticks = c.awaitTicks(sym, TICKS, DELIVERY_TIMEOUT);
                final int client = i;
                assertEquals(expected, Ticks.seqs(ticks), () -> "client " + client + ": " + c.describeTicks(sym));
                assertTrue(ticks.stream().noneMatch(t -> t.isSnapshot() || t.isConflated()), "live ticks only");
            }
            // A late extra tick proves nothing more was still on its way (no duplicate after the 200th).
            server.publish(Ticks.numbered(sym, TICKS + 1));
            for (TestClient c : clients) {
                c.awaitSeq(sym, TICKS + 1);
                assertEquals(TICKS + 1, c.ticks(sym).size());
            }
        } finally {
            clients.forEach(TestClient::close);
        }
    }
}
