package io.tickfan.server.session;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every open WebSocket session, SSE stream (HTTP/1.1 and HTTP/2) and long poll in flight, so a
 * drain or an admin disconnect can reach them. Sessions add themselves when they open and remove
 * themselves when they close (one concurrent-set operation each).
 */
public final class SessionRegistry {
    private final Set<Drainable> sessions = ConcurrentHashMap.newKeySet();

    public void add(Drainable s) {
        sessions.add(s);
    }

    public void remove(Drainable s) {
        sessions.remove(s);
    }

    public int size() {
        return sessions.size();
    }

    /** Closes every session at once, for a shutdown without a drain. */
    public void goAwayAll() {
        for (Drainable s : sessions) {
            s.executor().execute(s::goAway);
        }
    }

    /**
     * Sends every session away, each with its own reconnect delay drawn uniformly from {@code [0,
     * windowMs)}, so that clients come back spread over the window rather than all in the same
     * second.
     *
     * @return how many sessions were told
     */
    public int restartAll(long windowMs) {
        int n = 0;
        for (Drainable s : sessions) {
            final long retryMs = windowMs > 0 ? ThreadLocalRandom.current().nextLong(windowMs) : 0;
            s.executor().execute(() -> s.restart(retryMs));
            n++;
        }
        return n;
    }
}
