package io.tickfan.bench.support;

import io.netty.channel.EventLoopGroup;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.EngineSettings;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.Subscriber;

/** The one place the benchmarks build engines and ticks. */
public final class Engines {
    public static final String SYMBOL = "AAPL";

    private Engines() {}

    /** An engine over {@code workers}, sequencer not started. */
    public static FanoutEngine create(EventLoopGroup workers, int historyTicksPerSymbol) {
        return new FanoutEngine(
                workers, new EngineSettings(1024, 1 << 20, 65_536, 4096, historyTicksPerSymbol, 60_000));
    }

    /** Subscribes {@code s} to {@link #SYMBOL} without a resume point, as a fresh client does. */
    public static void subscribe(FanoutEngine engine, Subscriber s, LoopDispatcher d) {
        final int id = engine.symbols().register(SYMBOL);
        engine.subscribe(s, d, new int[] {id}, new long[] {ClientMessage.NO_SINCE}, null, true, null);
    }

    /** A full quote and trade, as a feed publishes it (the server numbers it). */
    public static Tick quoteAndTrade(String symbol) {
        final Tick t = new Tick();
        t.symbol = symbol;
        t.exchangeTimeNs = 1_732_356_000_123_456_789L;
        t.bid = Decimals.parse("189.12");
        t.ask = Decimals.parse("189.14");
        t.bidSize = Decimals.ofUnits(300);
        t.askSize = Decimals.ofUnits(200);
        t.last = Decimals.parse("189.13");
        t.lastSize = Decimals.ofUnits(100);
        t.fieldMask = Tick.ALL_FIELDS;
        return t;
    }

    /** Moves {@code t} on as a live feed would: new time, prices that change in the last digits. */
    public static void advance(Tick t) {
        t.exchangeTimeNs += 1_000;
        t.bid += (t.exchangeTimeNs & 0x1F00) == 0 ? -1_000_000 : 1_000_000;
        t.ask = t.bid + 2_000_000;
        t.last = t.bid + 1_000_000;
    }
}
