package io.tickfan.server.fanout;

/** A request from an event loop to the sequencer. */
final class Command {
    static final int SUBSCRIBE = 1;
    static final int UNSUBSCRIBE = 2;

    final int kind;
    final int loopIndex;
    final int symbolId;
    final Subscriber subscriber;
    final long since;
    final boolean epochMatches;

    private Command(int kind, int loopIndex, int symbolId, Subscriber subscriber, long since, boolean epochMatches) {
        this.kind = kind;
        this.loopIndex = loopIndex;
        this.symbolId = symbolId;
        this.subscriber = subscriber;
        this.since = since;
        this.epochMatches = epochMatches;
    }

    static Command subscribe(int loopIndex, int symbolId, Subscriber subscriber, long since, boolean epochMatches) {
        return new Command(SUBSCRIBE, loopIndex, symbolId, subscriber, since, epochMatches);
    }

    static Command unsubscribe(int loopIndex, int symbolId) {
        return new Command(UNSUBSCRIBE, loopIndex, symbolId, null, 0, true);
    }
}
