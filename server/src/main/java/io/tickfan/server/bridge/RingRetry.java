package io.tickfan.server.bridge;

import io.tickfan.server.fanout.IngestRing;
import java.util.function.BooleanSupplier;

/**
 * The one "offer until the ingest ring accepts" loop, for the bridge agents (and the bridge
 * tests' publishers). What the agents offer (a tick Redis numbered, a tick this pod must number
 * while degraded, a numbering switch) must not be skipped, so a full ring is waited out, never
 * dropped: nudge the sequencer, give up the core, try again, until it is accepted or the agent is
 * told to stop. Callers try the offer once themselves first, so the common case costs no lambda.
 * (The demo feed does not wait: a full ring ends its millisecond, and its schedule catches up.)
 */
final class RingRetry {
    /** One attempt: {@link IngestRing#OK} or {@link IngestRing#BACK_PRESSURED}. */
    @FunctionalInterface
    interface Offer {
        int offer();
    }

    private static final Runnable NO_NUDGE = () -> {};

    private RingRetry() {}

    /** As {@link #untilAccepted(Offer, BooleanSupplier, Runnable)} with nothing to nudge. */
    static boolean untilAccepted(Offer offer, BooleanSupplier running) {
        return untilAccepted(offer, running, NO_NUDGE);
    }

    /**
     * @param nudge run before each retry (waking the sequencer when the caller's offers do not)
     * @return true once accepted; false when {@code running} turned false first
     */
    static boolean untilAccepted(Offer offer, BooleanSupplier running, Runnable nudge) {
        while (offer.offer() != IngestRing.OK) {
            if (!running.getAsBoolean()) {
                return false;
            }
            nudge.run();
            Thread.yield();
        }
        return true;
    }
}
