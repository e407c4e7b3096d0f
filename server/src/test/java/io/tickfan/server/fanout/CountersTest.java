package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.metrics.Counters.Counter;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each engine counter moves as its description says, in a simple publish / subscribe / resume
 * scenario: no counter stays at zero when its event happens, none moves when it does not.
 */
class CountersTest {
    private static final int HISTORY = 4;

    private MultiThreadIoEventLoopGroup loops;
    private FanoutEngine engine;
    private LoopDispatcher dispatcher;
    private Counters counters;

    @BeforeEach
    void create() {
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        engine = new FanoutEngine(loops, new EngineSettings(64, 1 << 12, 1024, 256, HISTORY, 60_000));
        dispatcher = engine.dispatcher(loops.next());
        counters = engine.counters();
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldMoveEachCounterAsDescribedForPublishSubscribeAndResume() throws Exception {
        engine.start();
        final Map<Counter, Long> expected = new EnumMap<>(Counter.class);
        for (Counter c : Counter.values()) {
            expected.put(c, 0L);
        }

        // Ticks enter the ring and are sequenced; nobody listens, so nothing is delivered.
        publish("CT", 0, 3);
        add(expected, Counter.TICKS_INGESTED, 3);
        add(expected, Counter.TICKS_SEQUENCED, 3);
        awaitCounters(expected);

        // A subscribe without a resume point: one snapshot handed to the subscriber.
        final Recorder live = new Recorder();
        subscribe(live, ClientMessage.NO_SINCE);
        add(expected, Counter.DELIVERIES, 1);
        awaitCounters(expected);
        await(() -> live.received.get() == 1);

        // Live ticks: ingested, sequenced, and handed to the one subscriber.
        publish("CT", 0, 2);
        add(expected, Counter.TICKS_INGESTED, 2);
        add(expected, Counter.TICKS_SEQUENCED, 2);
        add(expected, Counter.DELIVERIES, 2);
        awaitCounters(expected);

        // A publisher retry (seq equal to the last) and a seq below it: ingested, then dropped.
        publish("CT", 5, 1);
        publish("CT", 2, 1);
        add(expected, Counter.TICKS_INGESTED, 2);
        add(expected, Counter.DUPLICATES_DROPPED, 1);
        add(expected, Counter.SEQ_REGRESSIONS, 1);
        awaitCounters(expected);

        // A resume within history (the client holds seq 3 of 5): two ticks replayed and handed over.
        final Recorder resumed = new Recorder();
        subscribe(resumed, 3);
        add(expected, Counter.REPLAYED, 2);
        add(expected, Counter.DELIVERIES, 2);
        awaitCounters(expected);

        // A resume older than history (4 ticks kept of 5): one reset snapshot.
        final Recorder lost = new Recorder();
        subscribe(lost, 0);
        add(expected, Counter.RESETS, 1);
        add(expected, Counter.DELIVERIES, 1);
        awaitCounters(expected);
        await(() -> lost.received.get() == 1 && resumed.received.get() == 2 && live.received.get() == 3);
    }

    @Test
    void shouldCountExactlyTheTicksTheRingTookAndThoseItRefused() {
        // The sequencer is not started: the 4 KiB ring fills and refuses.
        final Tick t = tick("BP", 0);
        int accepted = 0;
        while (engine.publish(t) == IngestRing.OK) {
            accepted++;
        }
        assertTrue(accepted > 0 && accepted < 4096 / IngestRing.RECORD_LENGTH, "accepted " + accepted);
        assertEquals(1, counters.get(Counter.INGEST_BACK_PRESSURED));
        assertEquals(accepted, counters.get(Counter.TICKS_INGESTED));
        assertEquals(0, counters.get(Counter.TICKS_SEQUENCED));
    }

    private void subscribe(Recorder r, long since) throws Exception {
        final int id = engine.symbols().register("CT");
        dispatcher
                .eventLoop()
                .submit(() -> assertEquals(
                        FanoutEngine.SUBSCRIBED,
                        engine.subscribe(
                                r.subscriber, dispatcher, new int[] {id}, new long[] {since}, null, true, null)))
                .sync();
    }

    private void publish(String symbol, long seq, int count) {
        for (int i = 0; i < count; i++) {
            final Tick t = tick(symbol, seq);
            while (engine.publish(t) != IngestRing.OK) {
                Thread.onSpinWait();
            }
        }
    }

    private static Tick tick(String symbol, long seq) {
        final Tick t = new Tick();
        t.symbol = symbol;
        t.seq = seq;
        t.exchangeTimeNs = 1;
        t.last = Decimals.ofUnits(100);
        t.fieldMask = Tick.LAST;
        return t;
    }

    private static void add(Map<Counter, Long> expected, Counter c, long delta) {
        expected.merge(c, delta, Long::sum);
    }

    private void awaitCounters(Map<Counter, Long> expected) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!matches(expected)) {
            if (System.nanoTime() > deadline) {
                final StringBuilder diff = new StringBuilder("counters differ:");
                for (Counter c : Counter.values()) {
                    if (counters.get(c) != expected.get(c)) {
                        diff.append(' ').append(c).append('=').append(counters.get(c));
                        diff.append(" (expected ").append(expected.get(c)).append(')');
                    }
                }
                throw new AssertionError(diff.toString());
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
        // Nothing else moves afterwards either (a late count would show here).
        TimeUnit.MILLISECONDS.sleep(20);
        for (Counter c : Counter.values()) {
            assertEquals((long) expected.get(c), counters.get(c), c + ": " + c.description());
        }
    }

    private boolean matches(Map<Counter, Long> expected) {
        for (Counter c : Counter.values()) {
            if (counters.get(c) != expected.get(c)) {
                return false;
            }
        }
        return true;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }

    private static final class Recorder extends AlwaysWritableSink {
        final AtomicInteger received = new AtomicInteger();

        @Override
        protected void deliver(EncodedTick tick) {
            received.incrementAndGet();
        }

        @Override
        protected void deliverConflated(EncodedTick tick) {
            received.incrementAndGet();
        }
    }
}
