package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.SseEvents;
import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.Ticks;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Position resume with three position spaces (Redis shards), on the engine alone: ticks enter the
 * ring as the bridge's readers hand them over (seq and stream position carried), with shard 1's
 * positions far ahead of shard 0's and the shards interleaved, as pods reading a cluster see them.
 * A resume from any id a stream got must give exactly the ticks that came after it, including an
 * id taken in the middle of a replay.
 */
class PositionResumeTest {
    private static final int SHARDS = 3;

    private MultiThreadIoEventLoopGroup loops;
    private FanoutEngine engine;
    /** Symbols 0 and 3 share shard 0; 1 and 2 are alone in theirs. */
    private static final int[] SHARD_OF = {0, 1, 2, 0};

    private final String[] symbols = new String[SHARD_OF.length];
    private final int[] ids = new int[SHARD_OF.length];
    private final long[] seqs = new long[SHARD_OF.length];
    /** Per shard: shard 1's stream ids run far ahead of shard 0's, shard 2's far behind. */
    private final long[] positions = {1_000_000, 90_000_000, 5_000};

    /**
     * The test stands where the bridge's readers do: a broker of a shared numbering whose ticks come
     * in by hand through its port; resumes ahead of the pod wait up to {@link #catchUpWaitMs}.
     */
    private final class HandBroker implements Broker {
        private final Numbering numbering = new Numbering(true, 0, 0, catchUpWaitMs, 16, false);
        private volatile BrokerPort port;

        @Override
        public Numbering numbering() {
            return numbering;
        }

        @Override
        public void attach(BrokerPort engine) {
            this.port = engine;
        }

        @Override
        public void start() {}

        @Override
        public int publish(int symbolId, Tick tick, long ingestTimeNs) {
            throw new UnsupportedOperationException("ticks come in through ingest()");
        }

        @Override
        public void close() {}
    }

    private long catchUpWaitMs;
    private HandBroker broker;

    @BeforeEach
    void start() {
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        startEngine(0);
    }

    private void startEngine(long waitMs) {
        catchUpWaitMs = waitMs;
        broker = new HandBroker();
        engine = new FanoutEngine(loops, new EngineSettings(1024, 1 << 20, 4096, 256, 64, 60_000, SHARDS), broker)
                .start();
        for (int k = 0; k < SHARD_OF.length; k++) {
            for (int i = 0; ; i++) {
                final String s = "P" + k + "X" + i;
                if (SymbolTable.shardOf(s, SHARDS) == SHARD_OF[k]) {
                    symbols[k] = s;
                    ids[k] = engine.symbols().register(s);
                    break;
                }
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldResumeExactlyFromEveryIdAStreamGotEvenInTheMiddleOfAReplay() throws Exception {
        final Recorder live = new Recorder();
        subscribe(live, null);
        live.await(r -> r.replied);
        ingestRound(12);
        live.await(r -> r.ticks.size() == 12 * SHARD_OF.length);
        final Event cut = live.ticks.get(21); // the client's last event before it went away
        ingestRound(12);
        live.await(r -> r.ticks.size() == 24 * SHARD_OF.length);
        final List<Event> missed = List.copyOf(live.ticks.subList(22, live.ticks.size()));

        final Recorder resumed = new Recorder();
        subscribe(resumed, cut.id);
        resumed.await(r -> r.replied);
        assertEquals(perSymbol(missed), perSymbol(resumed.ticks), "the resume replays exactly what came after");
        assertTrue(resumed.ticks.stream().noneMatch(e -> e.reset), "no reset: history covers it");

        // Cut off again after each replayed tick: the next resume gives exactly the rest.
        for (int k = 1; k <= resumed.ticks.size(); k++) {
            final Recorder again = new Recorder();
            subscribe(again, resumed.ticks.get(k - 1).id);
            again.await(r -> r.replied);
            assertEquals(
                    perSymbol(resumed.ticks.subList(k, resumed.ticks.size())),
                    perSymbol(again.ticks),
                    "resumed from the id of replayed tick " + k);
            unsubscribeAll(again);
        }
        unsubscribeAll(resumed);
        unsubscribeAll(live);
    }

    @Test
    void shouldResetTheWholeShardOfALostSymbolFirstAndResumeExactlyFromAnyIdOfTheReply() throws Exception {
        final Recorder live = new Recorder();
        subscribe(live, null);
        live.await(r -> r.replied);
        ingestRound(4);
        live.await(r -> r.ticks.size() == 4 * SHARD_OF.length);
        final Event cut = live.ticks.get(live.ticks.size() - 1);
        // Symbol 0 runs past history (64 ticks); the others, symbol 3 of the same shard too, stay within it.
        for (int i = 0; i < 100; i++) {
            ingest(0);
        }
        ingestRound(3);
        live.await(r -> r.ticks.size() == 7 * SHARD_OF.length + 100); // all sequenced
        final Recorder resumed = new Recorder();
        subscribe(resumed, cut.id);
        resumed.await(r -> r.replied);
        final List<Event> reply = List.copyOf(resumed.ticks);
        final java.util.Set<String> shard0 = java.util.Set.of(symbols[0], symbols[3]);
        // One id position per shard: shard 0's symbols both get a reset (symbol 3's range was still
        // in history), and they come first.
        assertEquals(shard0, java.util.Set.of(reply.get(0).symbol, reply.get(1).symbol), reply.toString());
        assertTrue(reply.get(0).reset && reply.get(1).reset, reply.toString());
        assertEquals(
                Map.of(symbols[1], Ticks.range(5, 7), symbols[2], Ticks.range(5, 7)),
                perSymbol(reply.subList(2, reply.size())));

        for (int k = 1; k <= reply.size(); k++) {
            final Recorder again = new Recorder();
            subscribe(again, reply.get(k - 1).id);
            again.await(r -> r.replied);
            final List<Event> rest = reply.subList(k, reply.size());
            if (k < 2) {
                // Cut off among the resets: shard 0 is reset again, never replayed from the cut.
                assertTrue(
                        again.ticks.stream()
                                        .filter(e -> shard0.contains(e.symbol))
                                        .allMatch(e -> e.reset)
                                && again.ticks.stream().filter(e -> e.reset).count() == 2,
                        "cut after event " + k + ": " + again.ticks);
            } else {
                assertTrue(
                        again.ticks.stream().noneMatch(e -> shard0.contains(e.symbol)),
                        "shard 0 was complete at the cut: " + again.ticks);
            }
            assertEquals(
                    perSymbol(rest.stream()
                            .filter(e -> !shard0.contains(e.symbol))
                            .toList()),
                    perSymbol(again.ticks.stream()
                            .filter(e -> !shard0.contains(e.symbol))
                            .toList()),
                    "the other shards resume exactly after event " + k);
            unsubscribeAll(again);
        }
        unsubscribeAll(resumed);
        unsubscribeAll(live);
    }

    @Test
    void shouldAnswerAResumeWaitingToCatchUpAtOnceWhenItsNumberingRestarts() throws Exception {
        engine.close();
        startEngine(10_000);
        final Recorder live = new Recorder();
        subscribe(live, null);
        live.await(r -> r.replied);
        ingestRound(2);
        live.await(r -> r.ticks.size() == 2 * SHARD_OF.length);
        final long[] ahead = SseEvents.parsePositions(live.ticks.get(7).id, engine.epoch(), SHARDS);
        ahead[1] += 1_000_000; // another pod read shard 1 further than this one
        final String aheadId = engine.epoch() + "-" + Long.toString(ahead[0], 36) + "." + Long.toString(ahead[1], 36)
                + "." + Long.toString(ahead[2], 36);
        final Recorder waiting = new Recorder();
        subscribe(waiting, aheadId);
        final long waitsSeen = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (engine.counters().get(Counters.Counter.RESUMES_WAITED) == 0) {
            assertTrue(System.nanoTime() < waitsSeen, "the resume was not held");
            Thread.onSpinWait();
        }
        final long restartNs = System.nanoTime();
        while (broker.port.restartNumbering("restarted", 1, SHARDS) != IngestRing.OK) {
            Thread.onSpinWait();
        }
        waiting.await(r -> r.replied);
        assertTrue(
                System.nanoTime() - restartNs < TimeUnit.SECONDS.toNanos(2),
                "answered on the restart, not at the end of its 10 s wait");
        assertEquals(0, engine.counters().get(Counters.Counter.RESUMES_WAIT_EXPIRED));
        assertEquals(4, waiting.ticks.size(), "a reset for each symbol of the subscribe: " + waiting.ticks);
        assertTrue(
                waiting.ticks.stream().allMatch(e -> e.reset),
                "a point of the old numbering is foreign now: reset, never a replay: " + waiting.ticks);
        assertTrue(
                waiting.ticks.stream().anyMatch(e -> e.symbol.equals(symbols[1]) && e.seq == 0),
                "the restarted shard's symbol has no value yet: an empty reset: " + waiting.ticks);
        unsubscribeAll(waiting);
        unsubscribeAll(live);
    }

    /** One tick of every symbol per step, shards interleaved out of position order. */
    private void ingestRound(int steps) {
        for (int i = 0; i < steps; i++) {
            ingest(1);
            ingest(3);
            ingest(2);
            ingest(0);
        }
    }

    private void ingest(int k) {
        final Tick t = new Tick();
        t.symbol = symbols[k];
        t.seq = ++seqs[k];
        t.exchangeTimeNs = 1;
        t.last = Decimals.ofUnits(100 + t.seq);
        t.fieldMask = Tick.LAST;
        final int shard = SHARD_OF[k];
        positions[shard] += 1 + shard;
        while (broker.port.ingest(ids[k], t, EpochNanos.now(), positions[shard]) < 0) {
            Thread.onSpinWait();
        }
        broker.port.wakeSequencer();
    }

    private void subscribe(Recorder r, String lastEventId) throws Exception {
        final long[] resume =
                lastEventId == null ? null : SseEvents.parsePositions(lastEventId, engine.epoch(), SHARDS);
        if (lastEventId != null) {
            assertNotNull(resume, "not an id of this engine: " + lastEventId);
        }
        r.dispatcher = engine.dispatcher(loops.next());
        r.dispatcher
                .eventLoop()
                .submit(() -> assertEquals(
                        FanoutEngine.SUBSCRIBED,
                        engine.subscribe(r.subscriber, r.dispatcher, ids.clone(), null, resume, true, null)))
                .sync();
    }

    private void unsubscribeAll(Recorder r) throws Exception {
        r.dispatcher
                .eventLoop()
                .submit(() -> engine.unsubscribeAll(r.subscriber, r.dispatcher))
                .sync();
    }

    /** Symbol to its seqs in order: the order within a symbol is the contract, not across symbols. */
    private static Map<String, List<Long>> perSymbol(List<Event> events) {
        final Map<String, List<Long>> out = new TreeMap<>();
        for (Event e : events) {
            out.computeIfAbsent(e.symbol, k -> new ArrayList<>()).add(e.seq);
        }
        return out;
    }

    private record Event(String symbol, long seq, String id, boolean reset) {}

    /** Records each tick with its SSE id, on its loop. */
    private static final class Recorder extends AlwaysWritableSink {
        final List<Event> ticks = new ArrayList<>();
        LoopDispatcher dispatcher;
        boolean replied;

        @Override
        protected void deliver(EncodedTick tick) {
            final ByteBuf id = Unpooled.buffer();
            SseEvents.copyId(tick.sseEvent(), id);
            final Event e = new Event(
                    new String(tick.symbolAscii(), StandardCharsets.US_ASCII),
                    tick.seq(),
                    id.toString(StandardCharsets.US_ASCII),
                    (tick.flags() & Tick.FLAG_RESET) != 0);
            id.release();
            synchronized (this) {
                ticks.add(e);
            }
        }

        @Override
        public void afterReply(byte[] epochAscii, long[] positions) {
            synchronized (this) {
                replied = true;
            }
        }

        @Override
        protected void deliverConflated(EncodedTick tick) {
            throw new AssertionError("never lags here");
        }

        synchronized Recorder await(Predicate<Recorder> condition) throws InterruptedException {
            final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!condition.test(this)) {
                final long left = deadline - System.nanoTime();
                assertFalse(left <= 0, "timed out; got " + ticks);
                wait(1);
            }
            return this;
        }
    }
}
