package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tickfan.protocol.ClientMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every subscribe the engine queued ({@link FanoutEngine#SUBSCRIBED}) is acknowledged, also while
 * interest-only symbols of the same names are retired and reclaimed around it and their ids given
 * out again (decision 0006): subscribers on two loops churn over more names than the table holds
 * interest-only, unsubscribing while their subscribes are still in flight and closing.
 */
class SubscribeAckReclaimTest {
    private static final int NAMES = 6;
    private static final int SUBSCRIBERS_PER_LOOP = 6;
    private static final int ROUNDS = 600;

    private MultiThreadIoEventLoopGroup loops;
    private FanoutEngine engine;

    @BeforeEach
    void start() {
        loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        engine = new FanoutEngine(
                        loops,
                        new EngineSettings(
                                16,
                                1 << 20,
                                4096,
                                256,
                                16,
                                60_000,
                                1,
                                EngineSettings.DEFAULT_COMMAND_QUEUE_CAPACITY,
                                4))
                .start();
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldAckEverySubscribeWhileInterestOnlyNamesAreReclaimedAndReused() throws Exception {
        final List<Churner> churners = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            final LoopDispatcher d = engine.dispatcher(loops.next());
            for (int i = 0; i < SUBSCRIBERS_PER_LOOP; i++) {
                churners.add(new Churner(d, 31L * l + i));
            }
        }
        final List<io.netty.util.concurrent.Future<?>> done = new ArrayList<>();
        for (Churner c : churners) {
            done.add(c.d.eventLoop().submit(c::step));
        }
        for (var f : done) {
            f.sync();
        }
        // Each churner re-submits itself until ROUNDS steps are done (a refused acquire is no step).
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (Churner c : churners) {
            while (!c.finished() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        }
        for (Churner c : churners) {
            assertTrue(c.finished(), "churner did not finish: " + c);
        }
        long queued = 0;
        for (Churner c : churners) {
            queued += c.queued.get();
            while (c.acked.get() < c.queued.get() && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(c.queued.get(), c.acked.get(), "acks of queued subscribes: " + c);
        }
        assertTrue(queued >= 50, "the test queued too few subscribes to mean anything: " + queued);
        assertTrue(engine.symbols().reclaimedCount() > 0, "no id was reclaimed: nothing was tested");
    }

    /** One subscriber on one loop: subscribes, unsubscribes and closes at random, as a session would. */
    private final class Churner extends AlwaysWritableSink {
        final LoopDispatcher d;
        final SplittableRandom random;
        final AtomicLong queued = new AtomicLong();
        final AtomicLong acked = new AtomicLong();
        /** Name to the id this subscriber holds it under (its subscription keeps the hold). */
        final Map<String, Integer> held = new HashMap<>();

        private int steps;
        private volatile boolean finished;

        Churner(LoopDispatcher d, long seed) {
            this.d = d;
            this.random = new SplittableRandom(seed);
        }

        boolean finished() {
            return finished;
        }

        void step() {
            final int action = random.nextInt(10);
            if (action < 6) {
                final String name = "P" + random.nextInt(NAMES);
                final int id = engine.symbols().acquire(name);
                if (id == SymbolTable.FULL) {
                    // Every interest-only id is held or on its way back: try again once the
                    // sequencer has moved on. Not a step, so every churner queues subscribes
                    // however slowly a loaded machine reclaims.
                    d.eventLoop().schedule(this::step, 1, TimeUnit.MILLISECONDS);
                    return;
                }
                {
                    final int result = engine.subscribe(
                            subscriber, d, new int[] {id}, new long[] {ClientMessage.NO_SINCE}, null, true, "ack");
                    if (result == FanoutEngine.SUBSCRIBED) {
                        queued.incrementAndGet();
                        held.put(name, id);
                    }
                }
            } else if (action < 9) {
                if (!held.isEmpty()) {
                    final String name = held.keySet().iterator().next();
                    engine.unsubscribe(subscriber, d, held.remove(name));
                }
            } else {
                held.clear();
                engine.unsubscribeAll(subscriber, d);
            }
            if (++steps < ROUNDS) {
                d.eventLoop().execute(this::step);
            } else {
                finished = true;
            }
        }

        @Override
        public void onSubscribed(String ack) {
            acked.incrementAndGet();
        }

        @Override
        protected void deliver(EncodedTick tick) {}

        @Override
        protected void deliverConflated(EncodedTick tick) {}

        @Override
        public String toString() {
            return "queued " + queued.get() + ", acked " + acked.get() + ", held " + held;
        }
    }
}
