package io.tickfan.server.fanout;

import io.tickfan.protocol.ClientMessage;
import io.tickfan.server.metrics.Counters;
import java.util.function.IntFunction;

/**
 * Resumes that history no longer covers but the broker may ({@link Broker#requestBackfill}): the
 * subscribe is deferred until every symbol's request came back, completed or failed. From the
 * request until the reply, live ticks of those symbols go to history (and to other subscribers)
 * but not to this subscriber, whose symbols are pending: the reply then splices stream and
 * history. Sequencer thread only; a broker without backfills has none.
 */
final class Backfills {
    /** A subscribe waiting for the backfill of some of its symbols. */
    static final class Deferred {
        final Command command;
        final BackfillRequest[] requests;
        int outstanding;

        Deferred(Command command, BackfillRequest[] requests) {
            this.command = command;
            this.requests = requests;
        }
    }

    private final Broker broker;
    private final ReplyBuilder replies;
    private final IntFunction<SymbolState> states;
    private final Counters counters;
    private final int counterSlot;

    private Backfills(
            Broker broker, ReplyBuilder replies, IntFunction<SymbolState> states, Counters counters, int slot) {
        this.broker = broker;
        this.replies = replies;
        this.states = states;
        this.counters = counters;
        this.counterSlot = slot;
    }

    /** The backfills of {@code broker}, or null when it serves none (such resumes get reset). */
    static Backfills of(
            Broker broker, ReplyBuilder replies, IntFunction<SymbolState> states, Counters counters, int slot) {
        return broker.numbering().backfills() ? new Backfills(broker, replies, states, counters, slot) : null;
    }

    /**
     * Asks the broker for the symbols of {@code c} whose resume point history no longer covers.
     *
     * @return the deferred subscribe, answered once {@link #completed} counts its last request
     *     back; or null when no symbol needs the broker (answer now)
     */
    Deferred request(Command c, byte[] epoch, long nowNs) {
        if (!c.epochMatches) {
            return null;
        }
        final int[] ids = c.symbolIds;
        Deferred d = null;
        for (int i = 0; i < ids.length; i++) {
            final SymbolState st = states.apply(ids[i]);
            if (!replies.needsBackfill(st, c, c.since[i], nowNs)) {
                continue;
            }
            final BackfillRequest r = new BackfillRequest(
                    st.id,
                    st.last.symbol,
                    c.since[i] != ClientMessage.NO_SINCE ? c.since[i] : -1,
                    c.since[i] != ClientMessage.NO_SINCE ? -1 : ReplyBuilder.sincePosition(c, st),
                    st.last.fieldMask,
                    epoch);
            if (d == null) {
                d = new Deferred(c, new BackfillRequest[ids.length]);
            }
            r.owner = d;
            if (broker.requestBackfill(r)) {
                d.requests[i] = r;
                d.outstanding++;
            } else {
                counters.add(Counters.Counter.BRIDGE_BACKFILL_FAILED, counterSlot, 1);
            }
        }
        return d != null && d.outstanding > 0 ? d : null;
    }

    /**
     * {@code request} came back from the broker.
     *
     * @return its subscribe when that was the last one outstanding (answer it now), else null
     */
    static Deferred completed(BackfillRequest request) {
        final Deferred d = request.owner;
        return --d.outstanding == 0 ? d : null;
    }
}
