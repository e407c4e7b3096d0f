package io.tickfan.server.session;

import io.tickfan.protocol.SseEvents;

/**
 * Where an SSE or poll client wants to resume, from {@code Last-Event-ID} (or the {@code
 * lastEventId} / {@code since} query parameter for clients that cannot set headers).
 *
 * @param positions the position the client holds in each of the engine's position spaces, or null
 *     to start from snapshots
 * @param epochMatches false when the id is malformed, of another shape (another shard count) or
 *     from another epoch: every symbol gets a reset snapshot
 */
public record ResumePoint(long[] positions, boolean epochMatches) {
    public static final ResumePoint NONE = new ResumePoint(null, true);

    public static ResumePoint parse(String lastEventId, String epoch, int positionShards) {
        if (lastEventId == null || lastEventId.isEmpty()) {
            return NONE;
        }
        final long[] positions = SseEvents.parsePositions(lastEventId, epoch, positionShards);
        return positions == null ? new ResumePoint(new long[positionShards], false) : new ResumePoint(positions, true);
    }
}
