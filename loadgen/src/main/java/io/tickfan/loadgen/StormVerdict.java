package io.tickfan.loadgen;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether a storm drill passed, and if not, why. A client counts as back only once the server has
 * acknowledged its resubscription: a reopened socket that never got its symbols back is a client
 * that sees nothing, so it fails the drill like one that never reconnected.
 *
 * @param clients clients in the fleet
 * @param mustDrop clients the drop had to take down (all of them, or those on a killed pod)
 * @param dropped clients that lost their connection after "ready"
 * @param reconnected dropped clients that completed a WebSocket handshake again within the
 *     reconnect timeout (counted from the first drop)
 * @param resubscribed dropped clients whose resubscription after the reconnect was acknowledged
 * @param openAtEnd clients open when the drill ended
 * @param gaps gaps in seq seen after the drop
 * @param duplicates duplicate ticks seen after the drop
 */
record StormVerdict(
        int clients,
        int mustDrop,
        int dropped,
        long reconnected,
        long resubscribed,
        int openAtEnd,
        long gaps,
        long duplicates) {

    /** Why the drill failed; empty when it passed. */
    List<String> failures() {
        final List<String> why = new ArrayList<>();
        if (dropped < mustDrop) {
            why.add("only " + dropped + " of the " + mustDrop + " clients expected were dropped");
        }
        if (reconnected < dropped) {
            why.add((dropped - reconnected) + " dropped clients did not reconnect within the reconnect timeout");
        }
        if (resubscribed < dropped) {
            why.add((dropped - resubscribed) + " dropped clients have no resubscribe ack");
        }
        if (openAtEnd < clients) {
            why.add((clients - openAtEnd) + " clients were not open at the end");
        }
        if (gaps > 0) {
            why.add(gaps + " gaps");
        }
        if (duplicates > 0) {
            why.add(duplicates + " duplicates");
        }
        return why;
    }

    boolean passed() {
        return failures().isEmpty();
    }
}
