package io.tickfan.server.metrics;

import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * How long authenticated requests (WebSocket upgrades, SSE streams, long polls, admin calls) take
 * from the decoded request to the answer handed to the channel (the 101 or 200, or the refusal),
 * token verification included. One pair of recorders per event loop, written only by that loop.
 */
public final class UpgradeTimings {
    /** Outcome label values, in recorder order. */
    public static final List<String> OUTCOMES = List.of("ok", "refused");

    private final Map<EventExecutor, LatencyRecorder[]> byLoop = new IdentityHashMap<>();

    /** @param loops the event loops that answer requests */
    public UpgradeTimings(List<? extends EventExecutor> loops) {
        for (EventExecutor loop : loops) {
            byLoop.put(loop, new LatencyRecorder[] {new LatencyRecorder(), new LatencyRecorder()});
        }
    }

    /** On {@code loop}: one answered request, {@code startNs} from {@link System#nanoTime()}. */
    public void record(EventExecutor loop, boolean ok, long startNs) {
        final LatencyRecorder[] r = byLoop.get(loop);
        if (r != null) {
            r[ok ? 0 : 1].record(System.nanoTime() - startNs);
        }
    }

    /** The recorders of one outcome ({@link #OUTCOMES} index), every loop's. */
    public List<LatencyRecorder> recorders(int outcome) {
        return byLoop.values().stream().map(r -> r[outcome]).toList();
    }
}
