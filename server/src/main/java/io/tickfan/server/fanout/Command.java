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
    /** Runs {@link #task} on the sequencer thread. */
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

    /**
     * The acknowledgement the subscriber writes when the reply comes ({@link TickSink#onSubscribed},
     * a WebSocket {@code ack} message); null when the transport acknowledges nothing.
     */
    final String ack;

    /** What a {@link #TASK} runs; null for every other kind. */
    final Runnable task;

    private Command(
            int kind,
            int loopIndex,
            int[] symbolIds,
            Subscriber subscriber,
            long[] since,
            long[] sincePositions,
            boolean epochMatches,
            BackfillRequest backfill,
            String ack,
            Runnable task) {
        this.kind = kind;
        this.loopIndex = loopIndex;
        this.symbolIds = symbolIds;
        this.subscriber = subscriber;
        this.since = since;
        this.sincePositions = sincePositions;
        this.epochMatches = epochMatches;
        this.backfill = backfill;
        this.ack = ack;
        this.task = task;
    }

    static Command subscribe(
            int loopIndex,
            int[] symbolIds,
            Subscriber s,
            long[] since,
            long[] sincePositions,
            boolean epochMatches,
            String ack) {
        return new Command(SUBSCRIBE, loopIndex, symbolIds, s, since, sincePositions, epochMatches, null, ack, null);
    }

    /** This subscribe, its resume point judged to be of another epoch (the numbering restarted meanwhile). */
    Command withForeignEpoch() {
        return new Command(kind, loopIndex, symbolIds, subscriber, since, sincePositions, false, backfill, ack, task);
    }

    static Command unsubscribe(int loopIndex, int symbolId) {
        return new Command(UNSUBSCRIBE, loopIndex, new int[] {symbolId}, null, null, null, true, null, null, null);
    }

    static Command refuse(int symbolId, long fromSeq, long toSeq) {
        return new Command(
                REFUSE, -1, new int[] {symbolId}, null, new long[] {fromSeq, toSeq}, null, true, null, null, null);
    }

    static Command task(Runnable task) {
        return new Command(TASK, -1, null, null, null, null, true, null, null, task);
    }

    static Command reclaim(int symbolId) {
        return new Command(RECLAIM, -1, new int[] {symbolId}, null, null, null, true, null, null, null);
    }

    static Command backfilled(BackfillRequest r) {
        return new Command(BACKFILLED, -1, null, null, null, null, true, r, null, null);
    }
}
