package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A read-only client that subscribes to made-up names by the thousand used to fill the symbol
 * table for good, after which a publisher's new symbol was refused until a restart. Subscribing
 * now creates interest-only entries, bounded apart from published symbols and forgotten when the
 * last subscriber leaves (decision 0006).
 */
@Tag("fault")
class SymbolFloodIT {
    private static final int MAX_PUBLISHED = 100;
    private static final int MAX_PENDING = 1000;
    private static final int PER_MESSAGE = 500;

    @RegisterExtension
    final TickfanServerExtension server = new TickfanServerExtension()
            .with(ServerConfig.MAX_SYMBOLS, MAX_PUBLISHED)
            .with(ServerConfig.MAX_PENDING_SYMBOLS, MAX_PENDING)
            .with(ServerConfig.MAX_SYMBOLS_PER_MESSAGE, PER_MESSAGE)
            .with(ServerConfig.MAX_SUBSCRIPTIONS, PER_MESSAGE);

    @Test
    void shouldKeepRoomForPublishersAfterASubscribeUnsubscribeFlood() {
        final SymbolTable table = server.engine().symbols();
        try (TestClient flooder = server.connect(TestTokens.valid());
                TestClient publisher = server.connect(TestTokens.publisher())) {
            // 20,000 names, 200 times the published capacity.
            for (int round = 0; round < 40; round++) {
                final String[] names = names("FLOOD" + round + ".", PER_MESSAGE);
                flooder.awaitAck(flooder.subscribe(names));
                flooder.awaitAck(flooder.unsubscribe(names));
                // Retired ids come back once every loop has drained past their reclaim, a moment
                // after the unsubscribe's ack: a busy machine can take longer than the client's
                // next subscribe, which would then meet the pending bound (capacity), as it should.
                final long freed = (round + 1L) * PER_MESSAGE;
                awaitTrue(() -> table.reclaimedCount() == freed, "round " + freed / PER_MESSAGE + "'s ids back");
            }
            awaitTrue(() -> table.pendingCount() == 0, "every interest-only name forgotten");
            awaitTrue(() -> table.reclaimedCount() == 40L * PER_MESSAGE, "every id back in the free list");
            assertEquals(0, table.publishedCount());
            // A publisher's first tick of a new symbol is taken, for the whole published capacity.
            for (int i = 0; i < MAX_PUBLISHED; i++) {
                publisher.awaitAck(publisher.publish(Ticks.numbered("REAL." + i, 1)));
            }
            assertTrue(flooder.messages().stream().noneMatch(r -> r.isError("capacity")), flooder.messages()::toString);
        }
    }

    @Test
    void shouldRefuseSubscribersPastThePendingBoundButNeverAPublisher() {
        try (TestClient first = server.connect(TestTokens.valid());
                TestClient second = server.connect(TestTokens.valid());
                TestClient third = server.connect(TestTokens.valid());
                TestClient publisher = server.connect(TestTokens.publisher())) {
            first.awaitAck(first.subscribe(names("A.", PER_MESSAGE)));
            second.awaitAck(second.subscribe(names("B.", PER_MESSAGE)));
            third.subscribe("C.1");
            third.awaitError("capacity");
            publisher.awaitAck(publisher.publish(Ticks.numbered("NEW.1", 1)));
            // A held name that gets published moves to the published side and frees a pending slot.
            publisher.awaitAck(publisher.publish(Ticks.numbered("A.0", 1)));
            first.awaitSeq("A.0", 1);
            third.awaitAck(third.subscribe("C.1"));
        }
    }

    /** Interest-only is still a subscription: the symbol's first tick arrives, then every next one. */
    @Test
    void shouldDeliverEveryTickOfASymbolSubscribedBeforeItsFirstPublish() {
        try (TestClient client = server.connect(TestTokens.valid())) {
            client.awaitAck(client.subscribe("LATE.1"));
            for (int i = 1; i <= 5; i++) {
                server.publish(Ticks.numbered("LATE.1", i));
            }
            client.awaitSeq("LATE.1", 5);
            assertEquals(Ticks.range(1, 5), Ticks.seqs(client.ticks("LATE.1")));
        }
    }

    /**
     * A reclaimed id is given to the next new name; a subscriber of the new name never gets a tick
     * of the old one (nor the other way round).
     */
    @Test
    void shouldNeverMixTheOldAndNewNameOfAReusedId() {
        final SymbolTable table = server.engine().symbols();
        try (TestClient old = server.connect(TestTokens.valid());
                TestClient fresh = server.connect(TestTokens.valid())) {
            old.awaitAck(old.subscribe("OLD.1"));
            final int oldId = table.idOf("OLD.1");
            final long reclaimed = table.reclaimedCount();
            old.awaitAck(old.unsubscribe("OLD.1"));
            awaitTrue(() -> table.reclaimedCount() > reclaimed, "OLD.1 reclaimed");
            fresh.awaitAck(fresh.subscribe("NEW.9"));
            assertEquals(oldId, table.idOf("NEW.9"), "the test needs the id reused");
            old.awaitAck(old.subscribe("OLD.1"));
            for (int i = 1; i <= 3; i++) {
                server.publish(Ticks.numbered("OLD.1", i));
                server.publish(Ticks.numbered("NEW.9", i));
            }
            fresh.awaitSeq("NEW.9", 3);
            old.awaitSeq("OLD.1", 3);
            assertEquals(Ticks.range(1, 3), Ticks.seqs(fresh.ticks("NEW.9")));
            assertEquals(Ticks.range(1, 3), Ticks.seqs(old.ticks("OLD.1")));
            assertTrue(fresh.ticks("OLD.1").isEmpty(), fresh.describeTicks("OLD.1"));
            assertTrue(old.ticks("NEW.9").isEmpty(), old.describeTicks("NEW.9"));
        }
    }

    private static String[] names(String prefix, int n) {
        final String[] names = new String[n];
        for (int i = 0; i < n; i++) {
            names[i] = prefix + i;
        }
        return names;
    }

    private static void awaitTrue(BooleanSupplier condition, String what) {
        final long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
