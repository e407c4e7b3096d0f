package io.tickfan.server.fanout;

/** A test subscriber that never lags: the transport half of {@link Subscriber} as no-ops. */
abstract class AlwaysWritableSubscriber extends Subscriber {
    @Override
    protected boolean isWritable() {
        return true;
    }

    @Override
    protected void flush() {}

    @Override
    protected void schedule(Runnable task, long delayNs) {
        task.run();
    }

    @Override
    protected long slowConsumerTimeoutNs() {
        return Long.MAX_VALUE;
    }

    @Override
    protected void closeSlowConsumer() {}
}
