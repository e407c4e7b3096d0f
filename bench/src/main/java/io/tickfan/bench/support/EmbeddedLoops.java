package io.tickfan.bench.support;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A group of embedded event loops whose tasks run on the calling thread when asked: gives the
 * fan-out engine several "event loops" while the benchmark thread drives every step, so a dispatch
 * benchmark measures the dispatch and not thread wake-ups.
 */
public final class EmbeddedLoops extends AbstractEventExecutorGroup implements EventLoopGroup {
    private final List<EmbeddedChannel> owners = new ArrayList<>();
    private final List<EventExecutor> loops = new ArrayList<>();
    private int next;

    public EmbeddedLoops(int count) {
        for (int i = 0; i < count; i++) {
            final EmbeddedChannel owner = new EmbeddedChannel();
            owners.add(owner);
            loops.add(owner.eventLoop());
        }
    }

    public EventLoop loop(int index) {
        return (EventLoop) loops.get(index);
    }

    /** Runs every task queued to every loop, on this thread. */
    public void runPendingTasks() {
        for (int i = 0, n = owners.size(); i < n; i++) {
            owners.get(i).runPendingTasks();
        }
    }

    @Override
    public EventLoop next() {
        final EventLoop loop = (EventLoop) loops.get(next);
        next = (next + 1) % loops.size();
        return loop;
    }

    @Override
    public Iterator<EventExecutor> iterator() {
        return loops.iterator();
    }

    @Override
    public ChannelFuture register(Channel channel) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ChannelFuture register(ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Deprecated
    @Override
    public ChannelFuture register(Channel channel, ChannelPromise promise) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean isShuttingDown() {
        return false;
    }

    @Override
    public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
        for (EmbeddedChannel owner : owners) {
            owner.finishAndReleaseAll();
        }
        return terminationFuture();
    }

    @Override
    public Future<?> terminationFuture() {
        return ImmediateEventExecutor.INSTANCE.newSucceededFuture(null);
    }

    @Deprecated
    @Override
    public void shutdown() {
        shutdownGracefully(0, 0, TimeUnit.SECONDS);
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
