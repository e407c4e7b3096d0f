package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A connection's ticks share a write when its loop is busy, and a lone tick is never held back:
 * ticks that reach a loop before it drains go out as one batch, and a tick on a quiet loop goes
 * out alone at the next drain. The sequencer and the loop are driven by hand, so what counts as
 * "busy" is exact.
 */
class BatchCoalescingTest {
    private EmbeddedChannel loop;
    private FanoutEngine engine;
    private SequencerInvoker sequencer;
    private LoopDispatcher dispatcher;

    @BeforeEach
    void create() {
        loop = new EmbeddedChannel();
        engine = new FanoutEngine(loop.eventLoop(), new EngineSettings(16, 1 << 16, 1024, 256, 16, 60_000));
        sequencer = engine.invoker();
        dispatcher = engine.dispatcher(loop.eventLoop());
    }

    @AfterEach
    void close() {
        engine.close();
        loop.finishAndReleaseAll();
    }

    @Test
    void shouldWriteTicksQueuedBeforeADrainAsOneBatchAndALoneTickAtOnce() {
        final Batches s = new Batches();
        final int id = engine.symbols().register("CO");
        engine.subscribe(
                s.subscriber, dispatcher, new int[] {id}, new long[] {ClientMessage.NO_SINCE}, null, true, null);
        drive();
        final long ticks0 = s.subscriber.ticksWritten();
        final long batches0 = s.subscriber.batchesWritten();

        // Busy: five ticks are sequenced before the loop drains once.
        for (int i = 0; i < 5; i++) {
            publish("CO");
        }
        while (sequencer.invoke() > 0) {
            // sequence everything first; the loop runs only below
        }
        loop.runPendingTasks();
        assertEquals(5, s.subscriber.ticksWritten() - ticks0);
        assertEquals(1, s.subscriber.batchesWritten() - batches0, "five ticks, one write");
        assertEquals(1, s.writes, "one writeTicks call");

        // Quiet: one tick goes out at the loop's next drain, alone, without waiting for company.
        publish("CO");
        drive();
        assertEquals(6, s.subscriber.ticksWritten() - ticks0);
        assertEquals(2, s.subscriber.batchesWritten() - batches0);
        assertEquals(2, s.writes);
    }

    private void drive() {
        while (sequencer.invoke() > 0) {
            loop.runPendingTasks();
        }
        loop.runPendingTasks();
    }

    private void publish(String symbol) {
        final Tick t = new Tick();
        t.symbol = symbol;
        t.exchangeTimeNs = 1;
        t.last = Decimals.ofUnits(100);
        t.fieldMask = Tick.LAST;
        assertEquals(IngestRing.OK, engine.publish(t));
    }

    /** Counts the transport's writes of live ticks (snapshots arrive through deliver). */
    private static final class Batches extends AlwaysWritableSink {
        int writes;

        @Override
        public long writeTicks(EncodedTick[] ticks, int count) {
            writes++;
            return 0;
        }

        @Override
        protected void deliver(EncodedTick tick) {}

        @Override
        protected void deliverConflated(EncodedTick tick) {}
    }
}
