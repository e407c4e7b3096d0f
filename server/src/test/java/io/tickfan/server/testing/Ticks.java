package io.tickfan.server.testing;

import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.fanout.IngestRing;
import java.util.List;
import java.util.stream.Collectors;

/** Builds ticks to publish and summarizes received ones. */
public final class Ticks {
    private Ticks() {}

    /** A quote (bid and ask, from decimal text), seq left to the server. */
    public static Tick quote(String symbol, String bid, String ask) {
        final Tick t = new Tick();
        t.symbol = symbol;
        t.exchangeTimeNs = EpochNanos.now();
        t.bid = Decimals.parse(bid);
        t.ask = Decimals.parse(ask);
        t.fieldMask = Tick.BID | Tick.ASK;
        return t;
    }

    /** The {@code n}th of a series of quotes: bid {@code 100 + n/100}, so each tick is recognizable. */
    public static Tick numbered(String symbol, int n) {
        final Tick t = quote(symbol, "100", "101");
        t.bid = Decimals.ofUnits(100) + n * (Decimals.ONE / 100);
        return t;
    }

    /** Publishes {@code tick} to {@code server}'s engine, waiting out back-pressure (a burst's publisher). */
    public static void publishWaiting(TickfanServer server, Tick tick) {
        while (server.engine().publish(tick) == IngestRing.BACK_PRESSURED) {
            Thread.onSpinWait();
        }
    }

    /** The same tick carrying a publisher-supplied {@code seq}. */
    public static Tick withSeq(Tick tick, long seq) {
        tick.seq = seq;
        return tick;
    }

    /** The seqs of {@code ticks}, in order. */
    public static List<Long> seqs(List<Tick> ticks) {
        return ticks.stream().map(t -> t.seq).collect(Collectors.toList());
    }

    /** {@code from}, {@code from + 1}, ..., {@code to}. */
    public static List<Long> range(long from, long to) {
        return java.util.stream.LongStream.rangeClosed(from, to).boxed().collect(Collectors.toList());
    }
}
