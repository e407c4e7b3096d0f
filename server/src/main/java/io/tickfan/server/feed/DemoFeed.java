package io.tickfan.server.feed;

import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.SymbolTable;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The embedded demo feed: a random walk of quotes, with a trade every fifth tick, over a fixed set
 * of symbols at a fixed total rate. It publishes through the same ingest ring as any publisher.
 * Paced by schedule: every millisecond it emits the ticks due since start, so the rate holds
 * however late a wake-up is.
 */
public final class DemoFeed implements AutoCloseable {
    private static final String[] NAMES = {
        "AAPL", "MSFT", "NVDA", "AMZN", "GOOG", "META", "TSLA", "JPM", "V", "XOM",
        "EUR/USD", "GBP/USD", "USD/JPY", "BTC-USD", "ETH-USD", "ES.Z6", "NQ.Z6", "CL.F7", "GC.G7", "^SPX"
    };

    private static final long CENT = Decimals.ONE / 100;

    private final FanoutEngine engine;
    private final int[] ids;
    private final long[] mids;
    private final double ticksPerNs;
    private final SplittableRandom random = new SplittableRandom(42);
    private final Tick tick = new Tick();
    private final ScheduledExecutorService timer;
    private long startNs;
    private long emitted;
    private int next;

    public DemoFeed(FanoutEngine engine, int symbols, int ticksPerSecond) {
        this.engine = engine;
        this.ids = new int[symbols];
        this.mids = new long[symbols];
        for (int i = 0; i < symbols; i++) {
            final String name = i < NAMES.length ? NAMES[i] : "DEMO" + i;
            ids[i] = engine.symbols().register(name);
            if (ids[i] == SymbolTable.FULL) {
                throw new IllegalArgumentException("demo.symbols exceeds limits.maxSymbols");
            }
            mids[i] = Decimals.ofUnits(50 + random.nextInt(400));
        }
        this.ticksPerNs = ticksPerSecond / 1e9;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "tickfan-demo-feed");
            t.setDaemon(true);
            return t;
        });
    }

    /** Symbol names the feed quotes, in order. */
    public static String symbolName(int i) {
        return i < NAMES.length ? NAMES[i] : "DEMO" + i;
    }

    public DemoFeed start() {
        startNs = System.nanoTime();
        timer.scheduleAtFixedRate(
                () -> {
                    try {
                        emitDue();
                    } catch (Throwable t) {
                        engine.fail("tickfan-demo-feed", t);
                        throw t;
                    }
                },
                1,
                1,
                TimeUnit.MILLISECONDS);
        return this;
    }

    private void emitDue() {
        final long due = (long) ((System.nanoTime() - startNs) * ticksPerNs);
        while (emitted < due) {
            final int i = next;
            next = (next + 1) % ids.length;
            fill(i);
            if (engine.publish(ids[i], tick) == IngestRing.BACK_PRESSURED) {
                return;
            }
            emitted++;
        }
    }

    private void fill(int i) {
        // Prices move on a one-cent grid, as quoted equities do.
        mids[i] = Math.max(Decimals.ONE, mids[i] + (random.nextInt(3) - 1) * CENT);
        final long halfSpread = CENT * (1 + random.nextInt(2));
        final Tick t = tick.clear();
        t.exchangeTimeNs = EpochNanos.now();
        t.bid = mids[i] - halfSpread;
        t.ask = mids[i] + halfSpread;
        t.bidSize = Decimals.ofUnits(100 * (1 + random.nextInt(10)));
        t.askSize = Decimals.ofUnits(100 * (1 + random.nextInt(10)));
        t.fieldMask = Tick.BID | Tick.ASK | Tick.BID_SIZE | Tick.ASK_SIZE;
        if (emitted % 5 == 0) {
            t.last = random.nextBoolean() ? t.bid : t.ask;
            t.lastSize = Decimals.ofUnits(1 + random.nextInt(500));
            t.fieldMask |= Tick.LAST | Tick.LAST_SIZE;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
