package io.tickfan.server.fanout;

/** A request from an event loop to the sequencer. */
final class Command {
    static final int SUBSCRIBE = 1;
    static final int UNSUBSCRIBE = 2;
    /** The bridge answered a {@link BackfillRequest} of a deferred subscribe. */
    static final int BACKFILLED = 3;
    /** Resume points {@code since[0]..since[1]} of {@code symbolIds[0]} are refused (a diverged local numbering). */
    static final int REFUSE = 4;
    /** {@code symbolIds[0]} was retired from the symbol table (interest-only, last hold gone): forget it. */
    static final int RECLAIM = 5;
    /** Runs {@code tag} (a Runnable) on the sequencer thread. */
    static final int TASK = 6;

    final int kind;
    final int loopIndex;
    final int[] symbolIds;
    final Subscriber subscriber;
    /** Per symbol: the last seq the client holds, or NO_SINCE. */
    final long[] since;
    /** The last position the client holds in each position space (SSE Last-Event-ID), or null. */
    final long[] sincePositions;

    final boolean epochMatches;

    final BackfillRequest backfill;

    /** What the subscriber gets back with the reply ({@link Subscriber#onSubscribed}); may be null. */
    final Object tag;

    private Command(
            int kind,
            int loopIndex,
            int[] symbolIds,
            Subscriber subscriber,
            long[] since,
            long[] sincePositions,
            boolean epochMatches,
            BackfillRequest backfill,
            Object tag) {
        this.kind = kind;
        this.loopIndex = loopIndex;
        this.symbolIds = symbolIds;
        this.subscriber = subscriber;
        this.since = since;
        this.sincePositions = sincePositions;
        this.epochMatches = epochMatches;
        this.backfill = backfill;
        this.tag = tag;
    }

    static Command subscribe(
            int loopIndex,
            int[] symbolIds,
            Subscriber s,
            long[] since,
            long[] sincePositions,
            boolean epochMatches,
            Object tag) {
        return new Command(SUBSCRIBE, loopIndex, symbolIds, s, since, sincePositions, epochMatches, null, tag);
    }

    /** This subscribe, its resume point judged to be of another epoch (the numbering restarted meanwhile). */
    Command withForeignEpoch() {
        return new Command(kind, loopIndex, symbolIds, subscriber, since, sincePositions, false, backfill, tag);
    }

    static Command unsubscribe(int loopIndex, int symbolId) {
        return new Command(UNSUBSCRIBE, loopIndex, new int[] {symbolId}, null, null, null, true, null, null);
    }

    static Command refuse(int symbolId, long fromSeq, long toSeq) {
        return new Command(REFUSE, -1, new int[] {symbolId}, null, new long[] {fromSeq, toSeq}, null, true, null, null);
    }

    static Command task(Runnable task) {
        return new Command(TASK, -1, null, null, null, null, true, null, task);
    }

    static Command reclaim(int symbolId) {
        return new Command(RECLAIM, -1, new int[] {symbolId}, null, null, null, true, null, null);
    }

    static Command backfilled(BackfillRequest r) {
        return new Command(BACKFILLED, -1, null, null, null, null, true, r, null);
    }
}
