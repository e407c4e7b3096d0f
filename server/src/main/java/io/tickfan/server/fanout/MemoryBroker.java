package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;

/**
 * The broker of a pod on its own: a publish goes straight into the ingest ring and the sequencer
 * numbers it. Nothing is shared, so nothing is confirmed, waited for or backfilled.
 */
public final class MemoryBroker implements Broker {
    private volatile BrokerPort engine;
    private volatile boolean closed;

    @Override
    public Numbering numbering() {
        return Numbering.STANDALONE;
    }

    @Override
    public void attach(BrokerPort engine) {
        if (this.engine != null || closed) {
            throw new IllegalStateException("a broker serves one engine");
        }
        this.engine = engine;
    }

    /** Nothing to start: a publish goes into the ring from {@link #attach} on and waits for the sequencer. */
    @Override
    public void start() {}

    @Override
    public int publish(int symbolId, Tick tick, long ingestTimeNs) {
        final BrokerPort e = engine;
        if (e == null) {
            return FanoutEngine.FAILED; // closed
        }
        return e.publishLocally(symbolId, tick, ingestTimeNs);
    }

    @Override
    public void close() {
        closed = true;
        engine = null;
    }
}
