package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The subscribe acknowledgement ({@link TickSink#onSubscribed}) comes when the sequencer has
 * applied the subscribe: every tick published after it reaches the subscriber live, none is folded
 * into the snapshot. A WebSocket client relies on it to know that what it publishes after the ack
 * comes back to it (it was not so before: the ack left before the subscribe was queued).
 */
class SubscribeAckTest {
    private MultiThreadIoEventLoopGroup loops;
    private FanoutEngine engine;

    @BeforeEach
    void start() {
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        engine = new FanoutEngine(loops, new EngineSettings(1024, 1 << 20, 4096, 256, 16, 60_000)).start();
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldDeliverEveryTickPublishedAfterTheAckLive() throws Exception {
        for (int round = 0; round < 200; round++) {
            final String symbol = "S" + round;
            final int id = engine.symbols().register(symbol);
            publish(symbol, 3);
            final Recorder r = new Recorder();
            final LoopDispatcher d = engine.dispatcher(loops.next());
            final String ack = "ack-" + round;
            d.eventLoop()
                    .submit(() -> assertEquals(
                            FanoutEngine.SUBSCRIBED,
                            engine.subscribe(
                                    r.subscriber,
                                    d,
                                    new int[] {id},
                                    new long[] {ClientMessage.NO_SINCE},
                                    null,
                                    true,
                                    ack)))
                    .sync();
            r.await(events -> !events.isEmpty());
            publish(symbol, 20);
            final List<String> events =
                    r.await(e -> e.size() > 1 && e.get(e.size() - 1).startsWith("23"));
            assertEquals(ack, events.get(0), "the ack comes first: " + events);
            // Ticks 1..3 may come live or as one snapshot (published before the subscribe); ticks
            // 4..23, published after the ack, must each come live, in order.
            assertTrue(events.size() >= 21, "round " + round + ", ticks after the ack missing: " + events);
            final List<String> afterAck = events.subList(events.size() - 20, events.size());
            for (int i = 0; i < 20; i++) {
                assertEquals(Long.toString(4 + i), afterAck.get(i), "round " + round + ": " + events);
            }
        }
    }

    @Test
    void shouldNotAckASubscribeThatAddsNothing() throws Exception {
        final int id = engine.symbols().register("AAPL");
        final Recorder r = new Recorder();
        final LoopDispatcher d = engine.dispatcher(loops.next());
        final long[] since = {ClientMessage.NO_SINCE};
        d.eventLoop()
                .submit(() -> assertEquals(
                        FanoutEngine.SUBSCRIBED,
                        engine.subscribe(r.subscriber, d, new int[] {id}, since, null, true, "first")))
                .sync();
        r.await(e -> !e.isEmpty());
        d.eventLoop()
                .submit(() -> assertEquals(
                        FanoutEngine.ALREADY_SUBSCRIBED,
                        engine.subscribe(r.subscriber, d, new int[] {id}, since, null, true, "second"),
                        "already subscribed"))
                .sync();
        publish("AAPL", 1);
        assertEquals(List.of("first", "1"), r.await(e -> e.size() == 2));
    }

    private void publish(String symbol, int count) {
        final Tick t = new Tick();
        for (int i = 0; i < count; i++) {
            t.clear();
            t.symbol = symbol;
            t.exchangeTimeNs = 1;
            t.last = Decimals.ofUnits(100 + i);
            t.fieldMask = Tick.LAST;
            while (engine.publish(t) < 0) {
                Thread.onSpinWait();
            }
        }
    }

    /** Records the ack text for an ack, "seq" for a live tick, "seq snap" for a snapshot, on its loop. */
    private static final class Recorder extends AlwaysWritableSink {
        private final List<String> events = new ArrayList<>();

        @Override
        public void onSubscribed(String ack) {
            add(ack);
        }

        @Override
        protected void deliver(EncodedTick tick) {
            add(tick.seq() + (tick.tick().isSnapshot() ? " snap" : ""));
        }

        @Override
        protected void deliverConflated(EncodedTick tick) {
            add(tick.seq() + " cf");
        }

        private void add(String event) {
            synchronized (events) {
                events.add(event);
                events.notifyAll();
            }
        }

        List<String> await(java.util.function.Predicate<List<String>> done) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            synchronized (events) {
                while (!done.test(events)) {
                    final long leftMs = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                    if (leftMs <= 0) {
                        throw new AssertionError("timed out; events: " + events);
                    }
                    events.wait(leftMs);
                }
                return new ArrayList<>(events);
            }
        }
    }
}
