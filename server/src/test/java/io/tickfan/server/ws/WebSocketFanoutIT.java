package io.tickfan.server.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Subscribe, snapshot, live ticks, unsubscribe and publishing, through real WebSocket clients. */
class WebSocketFanoutIT {
    @RegisterExtension
    static final TickfanServerExtension server = new TickfanServerExtension();

    private static final AtomicInteger SYMBOLS = new AtomicInteger();

    /** A symbol no other test uses, so each test starts from seq 1. */
    private static String freshSymbol(String prefix) {
        return prefix + "." + SYMBOLS.incrementAndGet();
    }

    @Test
    void shouldAckSubscribeThenSendSnapshotThenContiguousLiveTicks() {
        final String sym = freshSymbol("SNAP");
        try (TestClient observer = server.connect(TestTokens.valid());
                TestClient client = server.connect(TestTokens.valid())) {
            observer.subscribeAndAwaitAck(sym);
            for (int i = 1; i <= 5; i++) {
                server.publish(Ticks.numbered(sym, i));
            }
            observer.awaitSeq(sym, 5);

            final String id = client.subscribe(sym);
            assertEquals(server.engine().epoch(), client.awaitAck(id).epoch());
            final Tick snapshot = client.awaitTicks(sym, 1).get(0);
            assertTrue(snapshot.isSnapshot(), "first tick after subscribe is the snapshot");
            assertEquals(5, snapshot.seq);
            assertEquals(Ticks.numbered(sym, 5).bid, snapshot.bid, "the snapshot is the latest value");
            assertEquals(Decimals.parse("101"), snapshot.ask);

            for (int i = 6; i <= 10; i++) {
                server.publish(Ticks.numbered(sym, i));
            }
            final List<Tick> ticks = client.awaitTicks(sym, 6);
            assertEquals(Ticks.range(5, 10), Ticks.seqs(ticks));
            assertTrue(ticks.subList(1, 6).stream().noneMatch(Tick::isSnapshot), "live ticks are not snapshots");
            assertEquals(Ticks.numbered(sym, 10).bid, ticks.get(5).bid);
            assertTrue(ticks.get(5).ingestTimeNs > 0, "ingest time is stamped");

            final int ackIndex = indexOf(client, r -> r.isAck(id));
            final int firstTickIndex = indexOf(client, r -> r.isTickOf(sym));
            assertTrue(ackIndex < firstTickIndex, "the ack comes before the snapshot");
        }
    }

    @Test
    void shouldSendNoSnapshotForASymbolWithoutTicksYet() {
        final String sym = freshSymbol("EMPTY");
        try (TestClient client = server.connect(TestTokens.valid())) {
            server.subscribeLive(client, sym);
            assertEquals(List.of(), client.ticks(sym));
            server.publish(Ticks.numbered(sym, 1));
            final Tick first = client.awaitTicks(sym, 1).get(0);
            assertEquals(1, first.seq);
            assertFalse(first.isSnapshot());
        }
    }

    @Test
    void shouldSwitchFromSnapshotToLiveWithoutGapOrDuplicateWhilePublishing() throws Exception {
        final String sym = freshSymbol("RACE");
        final int total = 3000;
        final AtomicBoolean stop = new AtomicBoolean();
        final AtomicInteger published = new AtomicInteger();
        final Thread feed = new Thread(
                () -> {
                    for (int i = 1; i <= total && !stop.get(); i++) {
                        while (server.engine().publish(Ticks.numbered(sym, i)) != 0 && !stop.get()) {
                            Thread.onSpinWait();
                        }
                        published.set(i);
                    }
                },
                "test-feed");
        final List<TestClient> clients = new ArrayList<>();
        try (TestClient observer = server.connect(TestTokens.valid())) {
            server.subscribeLive(observer, sym);
            server.publish(Ticks.numbered(sym, 0));
            observer.awaitSeq(sym, 1); // sequenced: every subscriber from here on gets a snapshot first
            feed.start();
            // Subscribe while ticks stream in: each client switches from snapshot to live at a different seq.
            for (int i = 0; i < 10; i++) {
                final TestClient c = server.connect(TestTokens.valid());
                clients.add(c);
                c.subscribeAndAwaitAck(sym);
            }
            feed.join(30_000);
            assertEquals(total, published.get(), "the feed published everything");
            for (TestClient c : clients) {
                c.awaitSeq(sym, total + 1);
                final List<Tick> ticks = c.ticks(sym);
                assertTrue(ticks.get(0).isSnapshot(), () -> "starts with a snapshot: " + c.describeTicks(sym));
                final long first = ticks.get(0).seq;
                assertEquals(
                        Ticks.range(first, total + 1),
                        Ticks.seqs(ticks),
                        () -> "contiguous from the snapshot, no gap or duplicate: " + c.describeTicks(sym));
                assertEquals(1, ticks.stream().filter(Tick::isSnapshot).count(), "exactly one snapshot");
            }
        } finally {
            stop.set(true);
            feed.join(10_000);
            clients.forEach(TestClient::close);
        }
    }

    @Test
    void shouldDeliverOnlySubscribedSymbolsAndKeepPerSymbolOrder() {
        final String a = freshSymbol("A");
        final String b = freshSymbol("B");
        final String other = freshSymbol("OTHER");
        try (TestClient client = server.connect(TestTokens.valid())) {
            server.subscribeLive(client, a, b);
            for (int i = 1; i <= 50; i++) {
                server.publish(Ticks.numbered(a, i));
                server.publish(Ticks.numbered(other, i));
                server.publish(Ticks.numbered(b, i));
            }
            assertEquals(Ticks.range(1, 50), Ticks.seqs(client.awaitTicks(a, 50)));
            assertEquals(Ticks.range(1, 50), Ticks.seqs(client.awaitTicks(b, 50)));
            client.awaitPong(client.ping());
            assertEquals(List.of(), client.ticks(other), "never subscribed");
        }
    }

    @Test
    void shouldStopDeliveryAfterUnsubscribe() {
        final String sym = freshSymbol("UNSUB");
        final String marker = freshSymbol("MARK");
        try (TestClient client = server.connect(TestTokens.valid());
                TestClient control = server.connect(TestTokens.valid())) {
            server.subscribeLive(client, sym, marker);
            server.subscribeLive(control, sym);
            for (int i = 1; i <= 3; i++) {
                server.publish(Ticks.numbered(sym, i));
            }
            client.awaitSeq(sym, 3);

            client.awaitAck(client.unsubscribe(sym));
            for (int i = 4; i <= 6; i++) {
                server.publish(Ticks.numbered(sym, i));
            }
            // Ticks reach a loop in sequencer order, so once the later marker tick is here, any
            // tick of sym still bound for this client would have arrived before it.
            server.publish(Ticks.numbered(marker, 1));
            client.awaitSeq(marker, 1);
            control.awaitSeq(sym, 6);
            assertEquals(Ticks.range(1, 3), Ticks.seqs(client.ticks(sym)), "nothing after the unsubscribe");
            assertEquals(Ticks.range(1, 6), Ticks.seqs(control.ticks(sym)), "others keep receiving");

            // Subscribing again starts over with a snapshot of the latest tick.
            client.subscribeAndAwaitAck(sym);
            client.awaitSeq(sym, 6);
            assertTrue(client.ticks(sym).get(3).isSnapshot());
        }
    }

    @Test
    void shouldForbidPublishWithoutPublisherRole() {
        final String sym = freshSymbol("PUB");
        try (TestClient subscriber = server.connect(TestTokens.valid());
                TestClient intruder = server.connect(TestTokens.valid())) {
            subscriber.subscribeAndAwaitAck(sym);
            final String id = intruder.publish(Ticks.numbered(sym, 1));
            final var error = intruder.awaitError("forbidden");
            assertEquals(id, error.id(), "the error echoes the request id");
            intruder.awaitPong(intruder.ping());
            subscriber.awaitPong(subscriber.ping());
            assertEquals(List.of(), subscriber.ticks(sym), "nothing was published");
        }
    }

    @Test
    void shouldPublishAsPublisherToSubscribers() {
        final String sym = freshSymbol("PUB");
        try (TestClient subscriber = server.connect(TestTokens.valid());
                TestClient publisher = server.connect(TestTokens.publisher())) {
            server.subscribeLive(subscriber, sym);
            publisher.awaitAck(publisher.publish(Ticks.numbered(sym, 1), Ticks.numbered(sym, 2)));
            publisher.awaitAck(publisher.publish(Ticks.quote(sym, "189.12", "189.14")));
            final List<Tick> ticks = subscriber.awaitTicks(sym, 3);
            assertEquals(Ticks.range(1, 3), Ticks.seqs(ticks));
            assertEquals("189.12", Decimals.toString(ticks.get(2).bid), "prices arrive exactly");
            assertEquals("189.14", Decimals.toString(ticks.get(2).ask));
        }
    }

    @Test
    void shouldDropDuplicateAndRegressingPublisherSeqs() {
        final String sym = freshSymbol("SEQ");
        final Counters counters = server.engine().counters();
        final long duplicatesBefore = counters.get(Counters.Counter.DUPLICATES_DROPPED);
        final long regressionsBefore = counters.get(Counters.Counter.SEQ_REGRESSIONS);
        try (TestClient subscriber = server.connect(TestTokens.valid());
                TestClient publisher = server.connect(TestTokens.publisher())) {
            server.subscribeLive(subscriber, sym);
            publisher.awaitAck(publisher.publish(
                    Ticks.withSeq(Ticks.numbered(sym, 1), 10),
                    Ticks.withSeq(Ticks.numbered(sym, 2), 11),
                    Ticks.withSeq(Ticks.numbered(sym, 3), 11),
                    Ticks.withSeq(Ticks.numbered(sym, 4), 9),
                    Ticks.withSeq(Ticks.numbered(sym, 5), 12),
                    Ticks.withSeq(Ticks.numbered(sym, 6), 15)));
            subscriber.awaitSeq(sym, 15);
            final List<Tick> ticks = subscriber.ticks(sym);
            assertEquals(List.of(10L, 11L, 12L, 15L), Ticks.seqs(ticks), "duplicates and regressions dropped");
            assertEquals(Ticks.numbered(sym, 2).bid, ticks.get(1).bid, "the first seq 11 wins");
            assertEquals(duplicatesBefore + 1, counters.get(Counters.Counter.DUPLICATES_DROPPED));
            assertEquals(regressionsBefore + 1, counters.get(Counters.Counter.SEQ_REGRESSIONS));

            // Server numbering continues after the publisher's.
            publisher.awaitAck(publisher.publish(Ticks.numbered(sym, 7)));
            assertEquals(16, subscriber.awaitSeq(sym, 16).seq);
        }
    }

    @Test
    void shouldRestrictSubscriptionsToEntitlements() {
        try (TestClient client = server.connect(TestTokens.entitledTo("AAPL", "FX.*"))) {
            client.subscribeAndAwaitAck("AAPL");
            client.subscribeAndAwaitAck("FX.EURUSD", "FX.USDJPY");
            final String id = client.subscribe("MSFT");
            assertEquals(id, client.awaitError("not_entitled").id());
            final String mixed = client.subscribe("FX.GBPUSD", "AAPLX");
            assertEquals(
                    mixed,
                    client.await(r -> r.isError("not_entitled") && mixed.equals(r.id()), "2nd refusal")
                            .id());
            server.publish(Ticks.numbered("FX.GBPUSD", 1));
            server.publish(Ticks.numbered("AAPL", 1));
            client.awaitTicks("AAPL", 1);
            assertEquals(List.of(), client.ticks("FX.GBPUSD"), "a refused subscribe subscribes to nothing");
        }
    }

    @Test
    void shouldAnswerPingWithPongCarryingServerTime() {
        try (TestClient client = server.connect(TestTokens.valid())) {
            final long before = io.tickfan.protocol.EpochNanos.now();
            final var pong = client.awaitPong(client.ping());
            final long after = io.tickfan.protocol.EpochNanos.now();
            assertTrue(
                    pong.serverTimeNs() >= before && pong.serverTimeNs() <= after,
                    () -> before + " <= " + pong.serverTimeNs() + " <= " + after);
        }
    }

    private static int indexOf(TestClient c, java.util.function.Predicate<io.tickfan.server.testing.Received> p) {
        final var messages = c.messages();
        for (int i = 0; i < messages.size(); i++) {
            if (p.test(messages.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
