package io.tickfan.server.fanout;

import io.netty.channel.EventLoop;
import io.netty.channel.SingleThreadEventLoop;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.metrics.LatencyRecorder;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.agrona.collections.Int2ObjectHashMap;
import org.jctools.queues.SpscArrayQueue;

/**
 * The fan-out half that runs on one event loop. The sequencer queues encoded ticks and subscribe
 * replies into {@link #inbox} and wakes the loop once per duty cycle; the loop drains the inbox,
 * writes a retained duplicate of each tick's shared frame to its own subscribers of that symbol,
 * then flushes every channel it wrote to exactly once. No channel is written from another thread,
 * and a burst of ticks bound for one connection leaves in one gathering write.
 *
 * <p>Between two drains the loop runs its I/O once. Netty runs every task queued during a pass of
 * its task queue in that same pass (for up to a second), and the sequencer queues a drain whenever
 * it has more: without this, a busy feed could keep a loop draining with no reads at all (pongs,
 * subscribes) and, on io_uring, with no write submitted or completed. A drain that finds it ran
 * already in the current pass reschedules itself for after the loop's next I/O, which does not
 * block (a task is due).
 *
 * <p>The subscriber sets here belong to the loop; the sequencer only knows how many subscribers
 * each loop has per symbol, to decide where to send a tick.
 */
public final class LoopDispatcher {
    private final int index;
    private final EventLoop loop;
    private final SpscArrayQueue<Object> inbox;
    private final int drainLimit;
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final Int2ObjectHashMap<SubscriberList> subscribersBySymbol = new Int2ObjectHashMap<>();
    private final ArrayList<Subscriber> toFlush = new ArrayList<>();
    /** Flushes of connections shared by several subscribers, run once after they all wrote. */
    private final ArrayList<Runnable> afterBatch = new ArrayList<>();
    /** Set while {@link #flushAll} runs its subscribers' flushes. */
    private boolean flushing;
    /** This batch's ticks and replies: subscribers queue them unretained, so they live until the flush. */
    private final ArrayList<Object> drainedEvents = new ArrayList<>();

    private final Counters counters;
    private long deliveries;
    /**
     * Ingest-to-write latency, sampled: one live tick per drain (the first that had a subscriber
     * here), measured after the drain's flushes. One clock read per drain, never per delivery.
     */
    private final LatencyRecorder tickLatency = new LatencyRecorder();

    private long sampleIngestNs;

    /**
     * The loop as a Netty event loop with a hook at the end of each pass of its task queue; null for
     * other executors (embedded loops in tests), which drain whenever asked.
     */
    private final SingleThreadEventLoop passes;
    /** Whether the loop ran its I/O since the last drain (set by {@link #endOfPass}). */
    private boolean ioSinceDrain = true;

    private final Runnable endOfPass = () -> ioSinceDrain = true;

    LoopDispatcher(int index, EventLoop loop, int queueCapacity, int drainLimit, Counters counters) {
        this.index = index;
        this.loop = loop;
        this.inbox = new SpscArrayQueue<>(queueCapacity);
        this.drainLimit = drainLimit;
        this.counters = counters;
        this.passes = loop instanceof SingleThreadEventLoop l ? l : null;
    }

    public int index() {
        return index;
    }

    public EventLoop eventLoop() {
        return loop;
    }

    /** Any thread: events queued for this loop and not yet drained (approximate while it moves). */
    public int queueDepth() {
        return inbox.size();
    }

    /** Ingest-to-write latency of this loop's sampled ticks; read from any thread. */
    public LatencyRecorder tickLatency() {
        return tickLatency;
    }

    // ---- sequencer thread -------------------------------------------------------------------

    /** Sequencer thread: queue an {@link EncodedTick} (one reference handed over) or a reply. */
    boolean offer(Object event) {
        return inbox.offer(event);
    }

    /** Sequencer thread: make sure a drain is scheduled on the loop. */
    void wake() {
        // Pairs with the volatile clear in drain(): either the loop sees our items or we see it
        // idle. One atomic exchange is the full barrier and the claim at once (a fence, a read and
        // a compare-and-set before: two locked instructions per wake instead of one).
        if (!scheduled.getAndSet(true)) {
            loop.execute(drainTask);
        }
    }

    // ---- event-loop thread ------------------------------------------------------------------

    /** Loop thread: forget a subscriber's membership of {@code symbolId} (it stays in the sequencer's count until told). */
    void removeLocal(Subscriber s, int symbolId) {
        final SubscriberList list = subscribersBySymbol.get(symbolId);
        if (list != null && list.remove(s) && list.size == 0) {
            subscribersBySymbol.remove(symbolId);
        }
    }

    private void drain() {
        if (!ioSinceDrain) {
            // Drained already in this pass of the loop's task queue (the sequencer keeps waking it):
            // let the loop's I/O run first (reads, and on io_uring the drains' writes submitted and
            // completed), then drain. Stays scheduled meanwhile.
            loop.schedule(drainTask, 0, TimeUnit.NANOSECONDS);
            return;
        }
        if (passes != null) {
            ioSinceDrain = false;
            passes.executeAfterEventLoopIteration(endOfPass);
        }
        scheduled.set(false);
        final SpscArrayQueue<Object> q = inbox;
        int drained = 0;
        Object event;
        while (drained < drainLimit && (event = q.poll()) != null) {
            if (event instanceof EncodedTick tick) {
                dispatch(tick);
            } else if (event instanceof SubscribeReply reply) {
                onReply(reply);
            } else {
                ((ReclaimedIds) event).passed();
            }
            drainedEvents.add(event);
            drained++;
        }
        flushAll();
        if (sampleIngestNs != 0) {
            tickLatency.record(EpochNanos.now() - sampleIngestNs);
            sampleIngestNs = 0;
        }
        releaseDrained();
        counters.add(Counters.Counter.DELIVERIES, index, deliveries);
        deliveries = 0;
        if (!q.isEmpty()) {
            wakeSelf();
        }
    }

    private void dispatch(EncodedTick tick) {
        final SubscriberList list = subscribersBySymbol.get(tick.symbolId());
        if (list == null) {
            return;
        }
        final Subscriber[] items = list.items;
        final int size = list.size;
        for (int i = 0; i < size; i++) {
            final Subscriber s = items[i];
            s.offer(tick);
            markDirty(s);
        }
        deliveries += size;
        if (sampleIngestNs == 0) {
            sampleIngestNs = tick.tick().ingestTimeNs;
        }
    }

    private void onReply(SubscribeReply reply) {
        final Subscriber s = reply.subscriber;
        s.subscribed(reply.ack);
        for (int id : reply.symbolIds) {
            if (s.subscriptions.get(id) == Subscriber.PENDING) {
                s.subscriptions.put(id, Subscriber.ACTIVE);
                subscribersBySymbol
                        .computeIfAbsent(id, k -> new SubscriberList())
                        .add(s);
            }
        }
        for (EncodedTick t : reply.ticks) {
            if (s.subscriptions.get(t.symbolId()) == Subscriber.ACTIVE) {
                s.offer(t);
                deliveries++;
            }
        }
        s.replied(reply.epochAscii, reply.positions);
        markDirty(s);
    }

    private void markDirty(Subscriber s) {
        if (!s.dirty) {
            s.dirty = true;
            toFlush.add(s);
        }
    }

    private void flushAll() {
        final ArrayList<Subscriber> list = toFlush;
        flushing = true;
        try {
            for (int i = 0, n = list.size(); i < n; i++) {
                final Subscriber s = list.get(i);
                s.dirty = false;
                s.flushBatch();
            }
        } finally {
            flushing = false;
        }
        list.clear();
        final ArrayList<Runnable> connections = afterBatch;
        for (int i = 0; i < connections.size(); i++) {
            connections.get(i).run();
        }
        connections.clear();
    }

    /**
     * Loop thread: runs {@code flush} once every subscriber of the batch being flushed has written
     * (before the batch's ticks are released), or now when no batch is being flushed (a timer's
     * write). For a connection carrying several subscribers (the streams of one HTTP/2 connection):
     * each writes its ticks, the connection is flushed once. The caller makes sure it asks once per
     * batch.
     */
    public void flushAfterBatch(Runnable flush) {
        if (flushing) {
            afterBatch.add(flush);
        } else {
            flush.run();
        }
    }

    private void releaseDrained() {
        final ArrayList<Object> events = drainedEvents;
        for (int i = 0, n = events.size(); i < n; i++) {
            release(events.get(i));
        }
        events.clear();
    }

    private void wakeSelf() {
        if (scheduled.compareAndSet(false, true)) {
            loop.execute(drainTask);
        }
    }

    /** After the loop and the sequencer have stopped: release whatever is still queued. */
    void releaseQueued() {
        Object event;
        while ((event = inbox.poll()) != null) {
            release(event);
        }
    }

    static void release(Object event) {
        if (event instanceof EncodedTick tick) {
            tick.release();
        } else if (event instanceof SubscribeReply reply) {
            reply.release();
        }
    }
}
