package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.tickfan.protocol.Tick;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SseSubscriptionTest {
    private static final long RECEIVED_NS = 123_456_789L;

    /** What a listener was given, copied (the tick is reused). */
    private record Seen(String symbol, long seq, long ts, int flags, long bid, int status, long missing, long at) {}

    private static final class Recording implements SseListener {
        final boolean prices;
        final List<Seen> seen = new ArrayList<>();

        Recording(boolean prices) {
            this.prices = prices;
        }

        @Override
        public boolean wantsPrices() {
            return prices;
        }

        @Override
        public void onTick(SseSubscription s, Tick t, long receivedNs, int status, long missing) {
            seen.add(new Seen(t.symbol, t.seq, t.exchangeTimeNs, t.flags, t.bid, status, missing, receivedNs));
        }
    }

    private static ByteBuf events(String... json) {
        final StringBuilder b = new StringBuilder();
        for (String j : json) {
            b.append("event: tick\nid: e:1\ndata: ").append(j).append("\n\n");
        }
        return Unpooled.copiedBuffer(b, StandardCharsets.UTF_8);
    }

    private static String tick(String sym, long seq, String extra) {
        return "{\"type\":\"tick\",\"sym\":\"" + sym + "\",\"seq\":" + seq + ",\"ts\":" + (1000 + seq)
                + ",\"bid\":\"1.25\"" + extra + "}";
    }

    private static List<Seen> feed(boolean prices, String... json) {
        final Recording listener = new Recording(prices);
        final SseSubscription s = new SseSubscription(List.of("AAA", "BBB"), listener, null);
        final ByteBuf in = events(json);
        s.onContent(in, RECEIVED_NS);
        in.release();
        return listener.seen;
    }

    @Test
    void shouldScanSymbolSeqTimeAndFlagsWhenNoPricesAreWanted() {
        final List<Seen> seen = feed(
                false,
                tick("AAA", 1, ""),
                tick("AAA", 2, ""),
                tick("AAA", 4, ""),
                tick("BBB", 7, ",\"cf\":true"),
                tick("BBB", 9, ",\"cf\":true"));
        assertEquals(
                List.of(
                        new Seen("AAA", 1, 1001, 0, 0, TickStatus.FIRST, 0, RECEIVED_NS),
                        new Seen("AAA", 2, 1002, 0, 0, TickStatus.IN_ORDER, 0, RECEIVED_NS),
                        new Seen("AAA", 4, 1004, 0, 0, TickStatus.GAP, 1, RECEIVED_NS),
                        new Seen("BBB", 7, 1007, Tick.FLAG_CONFLATED, 0, TickStatus.FIRST, 0, RECEIVED_NS),
                        new Seen("BBB", 9, 1009, Tick.FLAG_CONFLATED, 0, TickStatus.CONFLATED, 0, RECEIVED_NS)),
                seen);
    }

    @Test
    void shouldDecodePricesForAListenerThatWantsThem() {
        final List<Seen> seen = feed(true, tick("AAA", 1, ""), tick("AAA", 2, ""));
        assertEquals(2, seen.size());
        assertNotEquals(0, seen.get(0).bid());
        assertEquals(TickStatus.IN_ORDER, seen.get(1).status());
    }

    @Test
    void shouldReportATickOfAnotherSymbolAsUnsubscribedEitherWay() {
        for (boolean prices : new boolean[] {false, true}) {
            final List<Seen> seen = feed(prices, tick("ZZZ", 5, ""));
            assertEquals(1, seen.size());
            assertEquals("ZZZ", seen.get(0).symbol());
            assertEquals(TickStatus.UNSUBSCRIBED, seen.get(0).status());
        }
    }
}
