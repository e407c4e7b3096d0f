package io.tickfan.server.sse;

import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.metrics.Counters;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Publishes test ticks straight into a server's engine, as an embedded feed would. */
final class TestTicks {
    static final long WAIT_MS = 10_000;

    private TestTicks() {}

    /** Publishes and waits until the sequencer took them, so a later subscribe sees them in its snapshot. */
    static void publish(TickfanServer server, String symbol, int count) throws InterruptedException {
        final long before = server.engine().counters().get(Counters.Counter.TICKS_SEQUENCED);
        publishNoWait(server, symbol, count);
        await(() -> server.engine().counters().get(Counters.Counter.TICKS_SEQUENCED) >= before + count);
    }

    static void publishNoWait(TickfanServer server, String symbol, int count) {
        final Tick t = new Tick();
        for (int i = 0; i < count; i++) {
            t.clear();
            t.symbol = symbol;
            t.exchangeTimeNs = EpochNanos.now();
            t.bid = Decimals.ofUnits(100 + i);
            t.ask = Decimals.ofUnits(101 + i);
            t.fieldMask = Tick.BID | Tick.ASK;
            while (server.engine().publish(t) == IngestRing.BACK_PRESSURED) {
                Thread.onSpinWait();
            }
        }
    }

    /** Polls {@code condition} until it holds, failing after {@link #WAIT_MS}. */
    static void await(BooleanSupplier condition) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(WAIT_MS);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within " + WAIT_MS + " ms");
            }
            TimeUnit.MILLISECONDS.sleep(2);
        }
    }
}
