package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.ClientMessageEncoder;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.Received;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Resume on WebSocket: {@code since} replays exactly the missed ticks, or resets explicitly. */
class WebSocketResumeIT {
    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension().with(ServerConfig.HISTORY_TICKS, 50);

    private static int symbols;

    private static String freshSymbol() {
        return "WSR" + (++symbols);
    }

    private static void publish(String symbol, int count) throws InterruptedException {
        final long before = server.engine().counters().get(Counters.Counter.TICKS_SEQUENCED);
        for (int i = 0; i < count; i++) {
            final Tick t = new Tick();
            t.symbol = symbol;
            t.exchangeTimeNs = EpochNanos.now();
            t.last = Decimals.ofUnits(10 + i);
            t.fieldMask = Tick.LAST;
            server.publish(t);
        }
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.engine().counters().get(Counters.Counter.TICKS_SEQUENCED) < before + count) {
            assertTrue(System.nanoTime() < deadline, "ticks not sequenced in time");
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    /** Subscribes with a resume point and returns the ack. */
    private static Received resume(TestClient client, String symbol, long since, String epoch) {
        client.send(ClientMessageEncoder.subscribe("r1", List.of(symbol), Map.of(symbol, since), epoch, 0));
        return client.awaitAck("r1");
    }

    @Test
    void shouldReplayExactlyTheMissedTicksThenJoinLiveWithoutGapOrDuplicate() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 5);
        final String epoch;
        try (TestClient first = server.connect(TestTokens.valid())) {
            final String id = first.subscribe(symbol);
            epoch = first.awaitAck(id).epoch();
            assertEquals(5, first.awaitSeq(symbol, 5).seq);
        }
        publish(symbol, 20);
        try (TestClient second = server.connect(TestTokens.valid())) {
            resume(second, symbol, 5, epoch);
            final List<Tick> replayed = second.awaitTicks(symbol, 20);
            for (int i = 0; i < 20; i++) {
                assertEquals(6 + i, replayed.get(i).seq);
                assertFalse(replayed.get(i).isSnapshot());
                assertFalse(replayed.get(i).isReset());
            }
            publish(symbol, 1);
            assertEquals(26, second.awaitSeq(symbol, 26).seq);
            assertEquals(21, second.ticks(symbol).size(), "no duplicate: " + second.describeTicks(symbol));
        }
    }

    @Test
    void shouldSendNothingButLiveTicksWhenTheClientIsUpToDate() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 3);
        try (TestClient client = server.connect(TestTokens.valid())) {
            resume(client, symbol, 3, server.engine().epoch());
            publish(symbol, 1);
            final Tick next = client.awaitSeq(symbol, 4);
            assertFalse(next.isSnapshot());
            assertEquals(1, client.ticks(symbol).size());
        }
    }

    @Test
    void shouldResetWhenTheGapIsOlderThanHistory() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 2);
        publish(symbol, 100); // history keeps 50
        try (TestClient client = server.connect(TestTokens.valid())) {
            resume(client, symbol, 2, server.engine().epoch());
            final Tick t = client.awaitTicks(symbol, 1).get(0);
            assertTrue(t.isReset(), "an explicit reset, not a silent partial replay");
            assertTrue(t.isSnapshot());
            assertEquals(102, t.seq);
        }
    }

    @Test
    void shouldResetWhenTheResumePointIsFromAnotherEpoch() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 7);
        try (TestClient client = server.connect(TestTokens.valid())) {
            resume(client, symbol, 3, "some-other-epoch");
            final Tick t = client.awaitTicks(symbol, 1).get(0);
            assertTrue(t.isReset());
            assertEquals(7, t.seq);
        }
    }

    @Test
    void shouldResetWhenTheClientClaimsASeqFromTheFuture() throws Exception {
        final String symbol = freshSymbol();
        publish(symbol, 2);
        try (TestClient client = server.connect(TestTokens.valid())) {
            resume(client, symbol, 99, server.engine().epoch());
            final Tick t = client.awaitTicks(symbol, 1).get(0);
            assertTrue(t.isReset());
            assertEquals(2, t.seq);
        }
    }
}
