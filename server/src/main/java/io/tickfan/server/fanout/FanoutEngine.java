package io.tickfan.server.fanout;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.EpochNanos;
import io.tickfan.protocol.Tick;
import io.tickfan.server.metrics.Counters;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.agrona.concurrent.AgentRunner;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fan-out engine: ingest ring, sequencer thread and one {@link LoopDispatcher} per event loop.
 * This is the whole data path between "a tick was published" and "its frame was written to each
 * subscriber"; pipeline handlers only call {@link #publish}, {@link #subscribe} and {@link
 * #unsubscribe}.
 *
 * <pre>
 *  publishers / demo feed ──► IngestRing ──► Sequencer ──► LoopDispatcher[loop] ──► channels
 *        (any thread)       (lock-free,     (one thread:   (one queue + one wake    (write each,
 *                            bounded)        seq, last,     per loop per cycle)      flush once)
 *                                            encode once)
 * </pre>
 */
public final class FanoutEngine implements AutoCloseable {
    /** {@link #publish} result: the symbol table is full. */
    public static final int CAPACITY = -3;
    /** {@link #publish} result: an engine thread failed ({@link #fail}); nothing is accepted any more. */
    public static final int FAILED = -4;

    /** {@link #subscribe} result: queued to the sequencer; {@link TickSink#onSubscribed} follows. */
    public static final int SUBSCRIBED = 1;
    /** {@link #subscribe} result: the subscriber had every symbol already; nothing was queued. */
    public static final int ALREADY_SUBSCRIBED = 0;
    /**
     * {@link #subscribe} result: the command queue holds {@code fanout.commandQueueCapacity}
     * commands; nothing was queued or changed. The caller refuses the subscribe with a retryable error.
     */
    public static final int OVERLOADED = -5;

    // Pooled: its duplicates (one per delivery) are recycled; Netty 4.2's default adaptive
    // allocator allocates a new one per delivery (40 B, JMH). Under paranoid leak detection each
    // pooled duplicate carries its own leak tracker with stack traces (about 4 KiB while in
    // flight: jmap showed 190k of them in the 1,000-client test), hence the tests' larger heap.
    public static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final Logger LOG = LoggerFactory.getLogger(FanoutEngine.class);

    private final SymbolTable symbols;
    private final IngestRing ring;
    /**
     * Bounded for subscribes ({@link #commandQueueCapacity}): a subscribe past it is refused. An
     * unsubscribe, a backfill answer or a refusal is always queued, since dropping one would corrupt
     * the sequencer's interest counts; each unsubscribe undoes an accepted subscribe, so the queue
     * stays within the capacity plus the subscriptions that exist.
     */
    private final MpscUnboundedArrayQueue<Command> commands = new MpscUnboundedArrayQueue<>(4096);

    private final int commandQueueCapacity;
    private final LoopDispatcher[] dispatchers;
    private final Map<EventExecutor, LoopDispatcher> dispatcherByLoop = new IdentityHashMap<>();
    private final Counters counters;
    private final Sequencer sequencer;
    private final WakeableIdleStrategy idle;
    private final AgentRunner runner;
    /** Set when the sequencer is driven by hand ({@link #invoker}) instead of its own thread. */
    private SequencerInvoker invoker;

    private final int positionShards;
    private final Broker broker;
    private final BrokerPort port;
    /** Set once an engine thread failed: publishes are refused from then on. */
    private volatile Throwable failure;

    private volatile FatalHandler fatalHandler = (thread, cause) -> {};
    private boolean brokerStarted;

    /** A pod on its own: publishes go straight into the ring ({@link MemoryBroker}). */
    public FanoutEngine(EventLoopGroup workers, EngineSettings settings) {
        this(workers, settings, new MemoryBroker());
    }

    /**
     * @param workers the event loops that own subscriber channels
     * @param settings sizes of the ring, queues and history
     * @param broker where publishes go and what the sequencer does for a shared numbering;
     *     started by {@link #start}
     */
    public FanoutEngine(EventLoopGroup workers, EngineSettings settings, Broker broker) {
        this.broker = broker;
        this.symbols = new SymbolTable(settings.maxSymbols(), settings.maxPendingSymbols());
        this.positionShards = settings.positionShards();
        this.commandQueueCapacity = settings.commandQueueCapacity();
        this.ring = new IngestRing(settings.ingestRingBytes());
        final List<LoopDispatcher> loops = new ArrayList<>();
        int loopCount = 0;
        for (EventExecutor ignored : workers) {
            loopCount++;
        }
        this.counters = new Counters(loopCount + 1);
        for (EventExecutor executor : workers) {
            final LoopDispatcher d = new LoopDispatcher(
                    loops.size(),
                    (EventLoop) executor,
                    settings.loopQueueCapacity(),
                    settings.loopDrainLimit(),
                    counters);
            loops.add(d);
            dispatcherByLoop.put(executor, d);
        }
        this.dispatchers = loops.toArray(new LoopDispatcher[0]);
        final String epoch = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
        final AtomicReferenceArray<byte[]> epochSlots = new AtomicReferenceArray<>(Sequencer.EPOCH_SLOTS);
        this.sequencer = new Sequencer(
                ring,
                commands,
                symbols,
                dispatchers,
                ALLOC,
                epoch,
                epochSlots,
                broker,
                settings.historyTicksPerSymbol(),
                TimeUnit.MILLISECONDS.toNanos(settings.historyMaxAgeMs()),
                counters,
                dispatchers.length,
                settings.positionShards());
        this.idle = new WakeableIdleStrategy(
                () -> ring.hasPending() || !commands.isEmpty(), TimeUnit.MILLISECONDS.toNanos(1));
        this.port = new BrokerPort(this, ring, commands, idle, counters, epochSlots, epoch);
        broker.attach(port);
        // Any throwable out of the sequencer is fatal: its state may be half-updated (an Error kills
        // the thread, an exception would be retried on the same state), and ticks would be lost.
        this.runner = new AgentRunner(idle, t -> fail(sequencer.roleName(), t), null, sequencer);
    }

    /** Told once when an engine thread fails; the server turns unhealthy and exits. */
    @FunctionalInterface
    public interface FatalHandler {
        /** On the failed thread, which may be out of memory: do little, allocate little. */
        void onFatal(String threadName, Throwable cause);
    }

    /** Where a fatal failure of an engine thread is reported (once). Call before {@link #start}. */
    public void onFatal(FatalHandler handler) {
        this.fatalHandler = handler;
    }

    /**
     * Any engine thread (sequencer, feed, bridge): {@code threadName} failed and the engine cannot
     * be trusted any more. From now on every publish is refused ({@link #FAILED}); the first call
     * tells the {@link FatalHandler}.
     */
    public void fail(String threadName, Throwable cause) {
        if (failure != null) {
            return;
        }
        failure = cause;
        try {
            fatalHandler.onFatal(threadName, cause);
        } catch (Throwable ignored) {
            // Nothing left to tell: the flag above already refuses publishes.
        }
    }

    /** Whether an engine thread failed. */
    public boolean failed() {
        return failure != null;
    }

    /** Runs {@code task} on the sequencer thread between commands (tests and diagnostics). */
    public void runOnSequencer(Runnable task) {
        commands.offer(Command.task(task));
        idle.wake();
    }

    /**
     * Starts the sequencer thread, then the broker ({@link Broker#start}), which may connect and
     * catch up before it returns. A broker that cannot start throws; the sequencer is then stopped.
     */
    public FanoutEngine start() {
        AgentRunner.startOnThread(runner, r -> {
            // A FastThreadLocalThread, so Netty's Recycler pools EncodedTick holders on it (on a
            // plain thread it allocates a new one per tick: 160 B, measured with JMH -prof gc).
            final Thread t = new FastThreadLocalThread(r, sequencer.roleName());
            t.setDaemon(true);
            return t;
        });
        startBroker();
        return this;
    }

    private void startBroker() {
        if (brokerStarted) {
            throw new IllegalStateException("the engine is started already");
        }
        brokerStarted = true;
        try {
            broker.start();
        } catch (RuntimeException | Error e) {
            closeSequencer();
            throw e;
        }
    }

    /** The broker this engine was built with. */
    public Broker broker() {
        return broker;
    }

    /**
     * Instead of {@link #start}: the sequencer runs on the caller's thread, one duty cycle per
     * {@link SequencerInvoker#invoke()}, so tests and benchmarks step the engine without a thread
     * and without reaching into the package. A failure is handled as on the sequencer's thread.
     * Call once; {@link #closeSequencer} closes it.
     */
    public SequencerInvoker invoker() {
        if (invoker != null) {
            throw new IllegalStateException("the sequencer already has an invoker");
        }
        invoker = new SequencerInvoker(sequencer, t -> fail(sequencer.roleName(), t));
        startBroker();
        return invoker;
    }

    /** Every event loop's dispatcher, in loop order (a copy). */
    public List<LoopDispatcher> dispatchers() {
        return List.of(dispatchers);
    }

    /** The dispatcher of the event loop {@code loop}. */
    public LoopDispatcher dispatcher(EventLoop loop) {
        final LoopDispatcher d = dispatcherByLoop.get(loop);
        if (d == null) {
            throw new IllegalArgumentException("not one of the engine's event loops: " + loop);
        }
        return d;
    }

    /**
     * Any thread: queue {@code tick} (symbol in {@code tick.symbol}, already validated).
     *
     * @return {@link IngestRing#OK}, {@link IngestRing#BACK_PRESSURED}, {@link #CAPACITY} or {@link #FAILED}
     */
    public int publish(Tick tick) {
        final int id = symbols.register(tick.symbol);
        if (id == SymbolTable.FULL) {
            return CAPACITY;
        }
        return publish(id, tick);
    }

    /** Any thread: queue {@code tick} for a registered symbol id. */
    public int publish(int symbolId, Tick tick) {
        if (failure != null) {
            return FAILED;
        }
        final int result = broker.publish(symbolId, tick, EpochNanos.now());
        if (result != IngestRing.OK) {
            counters.addShared(Counters.Counter.INGEST_BACK_PRESSURED, 1);
        }
        return result;
    }

    /**
     * Subscriber's loop thread: subscribe {@code s} to registered symbols. First comes, per symbol,
     * a snapshot, or the ticks missed since the client's resume point, or a reset snapshot when
     * that point is lost; then the live stream, with no gap or duplicate between them. Symbols
     * {@code s} already has are skipped.
     *
     * @param since per symbol, the last seq the client holds, or {@link ClientMessage#NO_SINCE}
     * @param sincePositions the last position the client holds in each of the engine's {@link
     *     #positionShards()} position spaces (SSE, poll), or null
     * @param epochMatches false when the client's resume point is from another epoch
     * @param ack handed to {@link TickSink#onSubscribed} of {@code s} on its loop once the sequencer
     *     applied the subscribe, before its snapshots or replayed ticks (the WebSocket ack); may be null
     * @param symbolIds each with one hold from {@link SymbolTable#acquire} (or published), which
     *     the subscription keeps until {@link #unsubscribe}; released here when not kept
     * @return {@link #SUBSCRIBED}; {@link #ALREADY_SUBSCRIBED} when {@code s} had every symbol
     *     already, so nothing was queued and no {@link TickSink#onSubscribed} follows; or {@link
     *     #OVERLOADED} when the command queue is full (nothing queued, {@code s} unchanged, every
     *     hold released)
     */
    public int subscribe(
            Subscriber s,
            LoopDispatcher d,
            int[] symbolIds,
            long[] since,
            long[] sincePositions,
            boolean epochMatches,
            String ack) {
        if (sincePositions != null && sincePositions.length != positionShards) {
            throw new IllegalArgumentException("resume point of " + sincePositions.length + " position spaces");
        }
        // The queue's size is read without a lock (a racing subscribe may pass it by a few): the
        // bound is on memory, not exact.
        if (commands.size() >= commandQueueCapacity) {
            for (int id : symbolIds) {
                releaseHold(id);
            }
            return OVERLOADED;
        }
        final int[] ids = new int[symbolIds.length];
        final long[] sinceOfIds = new long[symbolIds.length];
        int n = 0;
        for (int i = 0; i < symbolIds.length; i++) {
            if (s.subscriptions.get(symbolIds[i]) == Subscriber.NOT_SUBSCRIBED) {
                s.subscriptions.put(symbolIds[i], Subscriber.PENDING);
                ids[n] = symbolIds[i];
                sinceOfIds[n++] = since == null ? ClientMessage.NO_SINCE : since[i];
            } else {
                releaseHold(symbolIds[i]); // the subscription it has holds the symbol already
            }
        }
        if (n == 0) {
            return ALREADY_SUBSCRIBED;
        }
        commands.offer(Command.subscribe(
                d.index(), Arrays.copyOf(ids, n), s, Arrays.copyOf(sinceOfIds, n), sincePositions, epochMatches, ack));
        idle.wake();
        return SUBSCRIBED;
    }

    /** The epoch's ASCII bytes (for SSE ids); do not modify. */
    public byte[] epochAscii() {
        return port.epochAscii();
    }

    /** Subscriber's loop thread: stop delivering {@code symbolId} to {@code s}; no-op if not subscribed. */
    public void unsubscribe(Subscriber s, LoopDispatcher d, int symbolId) {
        if (dropSubscription(s, d, symbolId)) {
            idle.wake();
        }
    }

    /** {@link #unsubscribe} without waking the sequencer; true when a command was queued. */
    private boolean dropSubscription(Subscriber s, LoopDispatcher d, int symbolId) {
        final int state = s.subscriptions.remove(symbolId);
        s.setMaxHz(symbolId, 0);
        if (state == Subscriber.NOT_SUBSCRIBED) {
            return false;
        }
        if (state == Subscriber.ACTIVE) {
            d.removeLocal(s, symbolId);
        }
        commands.offer(Command.unsubscribe(d.index(), symbolId));
        if (symbols.release(symbolId)) {
            commands.offer(Command.reclaim(symbolId));
        }
        return true;
    }

    /**
     * Any thread: gives back a hold from {@link SymbolTable#acquire} that no subscription keeps (a
     * refused subscribe). The last hold on a symbol nobody published retires it, and the sequencer
     * reclaims it behind every command queued before (this caller's unsubscribe among them).
     */
    public void releaseHold(int symbolId) {
        if (symbols.release(symbolId)) {
            commands.offer(Command.reclaim(symbolId));
            idle.wake();
        }
    }

    /** Subscriber's loop thread: unsubscribe from everything (on close). */
    public void unsubscribeAll(Subscriber s, LoopDispatcher d) {
        if (s.subscriptions.isEmpty()) {
            return;
        }
        // Copied first (each unsubscribe removes from the map), unboxed; one wake for them all:
        // a reconnect storm closes thousands of connections at once.
        final int[] ids = s.subscriptions.keys();
        final int n = ids.length;
        boolean queued = false;
        for (int i = 0; i < n; i++) {
            queued |= dropSubscription(s, d, ids[i]);
        }
        if (queued) {
            idle.wake();
        }
    }

    public SymbolTable symbols() {
        return symbols;
    }

    public Counters counters() {
        return counters;
    }

    /** Position spaces of SSE and poll resume points (1 standalone; the Redis shards when bridged). */
    public int positionShards() {
        return positionShards;
    }

    /** Identifies this engine's numbering: a resume point from another epoch gets a reset. */
    public String epoch() {
        return port.epoch();
    }

    /** Stops the sequencer thread and releases history; the event loops must still be running. */
    public void closeSequencer() {
        sequencer.stop();
        runner.close();
        if (invoker != null) {
            invoker.close();
        }
        if (failure != null) {
            // An Error ends the runner's thread without onClose; the thread is gone now, so release here.
            sequencer.onClose();
        }
    }

    /** Releases what is still queued to the loops. Call after {@link #closeSequencer()} and after the loops stopped. */
    @Override
    public void close() {
        closeSequencer();
        for (LoopDispatcher d : dispatchers) {
            d.releaseQueued();
        }
    }
}
