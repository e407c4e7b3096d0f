package io.tickfan.server.fanout;

/** A request from an event loop to the sequencer. */
final class Command {
    static final int SUBSCRIBE = 1;
    static final int UNSUBSCRIBE = 2;

    final int kind;
    final int loopIndex;
    final int[] symbolIds;
    final Subscriber subscriber;
    /** Per symbol: the last seq the client holds, or NO_SINCE. */
    final long[] since;
    /** The last global position the client holds (SSE Last-Event-ID), or -1. */
    final long sincePosition;

    final boolean epochMatches;

    private Command(
            int kind,
            int loopIndex,
            int[] symbolIds,
            Subscriber subscriber,
            long[] since,
            long sincePosition,
            boolean epochMatches) {
        this.kind = kind;
        this.loopIndex = loopIndex;
        this.symbolIds = symbolIds;
        this.subscriber = subscriber;
        this.since = since;
        this.sincePosition = sincePosition;
        this.epochMatches = epochMatches;
    }

    static Command subscribe(
            int loopIndex, int[] symbolIds, Subscriber s, long[] since, long sincePosition, boolean epochMatches) {
        return new Command(SUBSCRIBE, loopIndex, symbolIds, s, since, sincePosition, epochMatches);
    }

    static Command unsubscribe(int loopIndex, int symbolId) {
        return new Command(UNSUBSCRIBE, loopIndex, new int[] {symbolId}, null, null, -1, true);
    }
}
