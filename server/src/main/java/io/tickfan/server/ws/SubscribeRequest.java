package io.tickfan.server.ws;

import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.ErrorCode;
import io.tickfan.protocol.ServerMessages;
import io.tickfan.server.auth.Principal;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.LoopDispatcher;
import io.tickfan.server.fanout.Subscriber;
import io.tickfan.server.fanout.SymbolTable;
import java.util.List;

/**
 * A client's subscribe checked (entitlements, subscriptions per connection, symbol capacity) and
 * applied to the engine's {@link Subscriber} of its connection, on the connection's loop.
 */
final class SubscribeRequest {
    private SubscribeRequest() {}

    /**
     * Applies {@code m} to {@code subscriber}.
     *
     * @return the reply to send now: the ack when nothing new was subscribed, or an error (nothing
     *     subscribed); null when the engine queued the subscribe, whose ack the sink writes in
     *     {@link io.tickfan.server.fanout.TickSink#onSubscribed}
     */
    static String apply(
            ClientMessage m,
            Principal principal,
            FanoutEngine engine,
            Subscriber subscriber,
            LoopDispatcher dispatcher,
            int maxSubscriptions) {
        final List<String> symbols = m.symbols;
        int added = 0;
        for (String symbol : symbols) {
            if (!principal.entitlements().allows(symbol)) {
                return ServerMessages.error(m.id, ErrorCode.NOT_ENTITLED, "not entitled to " + symbol);
            }
            final int id = engine.symbols().idOf(symbol);
            if (id == SymbolTable.FULL || !subscriber.isSubscribed(id)) {
                added++;
            }
        }
        if (subscriber.subscriptionCount() + added > maxSubscriptions) {
            return ServerMessages.error(
                    m.id, ErrorCode.TOO_MANY_SYMBOLS, "at most " + maxSubscriptions + " subscriptions per connection");
        }
        // A hold per symbol: a name nobody published stays interest-only and goes when released.
        final int[] ids = new int[symbols.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = engine.symbols().acquire(symbols.get(i));
            if (ids[i] == SymbolTable.FULL) {
                for (int j = 0; j < i; j++) {
                    engine.releaseHold(ids[j]);
                }
                return ServerMessages.error(m.id, ErrorCode.CAPACITY, "the server tracks no more symbols");
            }
        }
        final boolean epochMatches = m.epoch == null || m.epoch.equals(engine.epoch());
        for (int id : ids) {
            subscriber.setMaxHz(id, m.maxHz);
        }
        // The ack goes out when the sequencer has applied the subscribe (onSubscribed), so every
        // tick published after the client sees it reaches the client, live or in its snapshot.
        final String ack = ServerMessages.ack(m.id, m.op, engine.epoch());
        final int result = engine.subscribe(subscriber, dispatcher, ids, m.since, null, epochMatches, ack);
        if (result == FanoutEngine.ALREADY_SUBSCRIBED) {
            return ack;
        }
        if (result == FanoutEngine.OVERLOADED) {
            for (int id : ids) {
                if (!subscriber.isSubscribed(id)) {
                    subscriber.setMaxHz(id, 0);
                }
            }
            return ServerMessages.error(
                    m.id, ErrorCode.OVERLOADED, "server busy: nothing subscribed; retry after a jittered delay");
        }
        return null;
    }
}
