package io.tickfan.server.ws;

import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.ErrorCode;
import io.tickfan.protocol.ServerMessages;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.FanoutEngine;
import io.tickfan.server.fanout.IngestRing;
import java.util.List;

/** A publisher's batch of ticks offered to the engine in order, and the one reply it gets. */
final class PublishRequest {
    private PublishRequest() {}

    /**
     * Offers the ticks of {@code m} in order until one is refused.
     *
     * @return the reply: an ack when every tick went in, else an error that says how many did
     */
    static String apply(FanoutEngine engine, ClientMessage m) {
        final List<Tick> ticks = m.ticks;
        for (int i = 0; i < ticks.size(); i++) {
            final int result = engine.publish(ticks.get(i));
            if (result == IngestRing.BACK_PRESSURED) {
                return ServerMessages.error(
                        m.id,
                        ErrorCode.BACK_PRESSURED,
                        "accepted " + i + " of " + ticks.size() + " ticks; retry the rest");
            }
            if (result == FanoutEngine.CAPACITY) {
                return ServerMessages.error(
                        m.id,
                        ErrorCode.CAPACITY,
                        "accepted " + i + " of " + ticks.size() + " ticks; symbol table full");
            }
            if (result == FanoutEngine.FAILED) {
                return ServerMessages.error(
                        m.id, ErrorCode.UNAVAILABLE, "server failed and is restarting; nothing accepted");
            }
        }
        if (engine.failed()) {
            // Failed while this batch went in: the sequencer will not process it, so no ack.
            return ServerMessages.error(
                    m.id, ErrorCode.UNAVAILABLE, "server failed and is restarting; nothing accepted");
        }
        return ServerMessages.ack(m.id, m.op, null);
    }
}
