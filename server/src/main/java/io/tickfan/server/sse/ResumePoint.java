package io.tickfan.server.sse;

import io.tickfan.protocol.SseEvents;

/**
 * Where an SSE or poll client wants to resume, from {@code Last-Event-ID} (or the {@code
 * lastEventId} / {@code since} query parameter for clients that cannot set headers).
 *
 * @param position the engine position the client holds, or -1 to start from snapshots
 * @param epochMatches false when the id is malformed or from another epoch: every symbol gets a
 *     reset snapshot
 */
record ResumePoint(long position, boolean epochMatches) {
    static final ResumePoint NONE = new ResumePoint(-1, true);

    static ResumePoint parse(String lastEventId, String epoch) {
        if (lastEventId == null || lastEventId.isEmpty()) {
            return NONE;
        }
        final long position = SseEvents.parsePosition(lastEventId, epoch);
        return position < 0 ? new ResumePoint(0, false) : new ResumePoint(position, true);
    }
}
