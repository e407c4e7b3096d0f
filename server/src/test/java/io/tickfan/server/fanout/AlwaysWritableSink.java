package io.tickfan.server.fanout;

/**
 * A test sink that never lags, with the engine's {@link Subscriber} of it: records what the
 * subclass wants through {@link #deliver} and {@link #deliverConflated}; the rest are no-ops, and
 * timers run at once.
 */
abstract class AlwaysWritableSink implements TickSink {
    /** The engine's state of this sink: what the tests subscribe. */
    final Subscriber subscriber = new Subscriber(this);

    /** One tick of a batch, in order. */
    protected abstract void deliver(EncodedTick tick);

    /** One tick re-encoded as conflated. */
    protected abstract void deliverConflated(EncodedTick tick);

    @Override
    public boolean isWritable() {
        return true;
    }

    @Override
    public long writeTicks(EncodedTick[] ticks, int count) {
        for (int i = 0; i < count; i++) {
            deliver(ticks[i]);
        }
        return 0;
    }

    @Override
    public int writeConflated(EncodedTick tick) {
        deliverConflated(tick);
        return 0;
    }

    @Override
    public void flush() {}

    @Override
    public void schedule(Runnable task, long delayNs) {
        task.run();
    }

    @Override
    public void closeSlowConsumer() {}
}
