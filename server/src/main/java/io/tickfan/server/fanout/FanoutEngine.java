package io.tickfan.server.fanout;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.tickfan.protocol.Tick;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
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

    private static final Logger LOG = LoggerFactory.getLogger(FanoutEngine.class);

    private final SymbolTable symbols;
    private final IngestRing ring;
    private final MpscUnboundedArrayQueue<Command> commands = new MpscUnboundedArrayQueue<>(4096);
    private final LoopDispatcher[] dispatchers;
    private final Map<EventExecutor, LoopDispatcher> dispatcherByLoop = new IdentityHashMap<>();
    private final Counters counters;
    private final Sequencer sequencer;
    private final WakeableIdleStrategy idle;
    private final AgentRunner runner;
    private final String epoch;

    /**
     * @param workers the event loops that own subscriber channels
     * @param settings sizes of the ring, queues and history
     */
    public FanoutEngine(EventLoopGroup workers, Settings settings) {
        this.symbols = new SymbolTable(settings.maxSymbols());
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
        this.sequencer = new Sequencer(
                ring,
                commands,
                symbols,
                dispatchers,
                ByteBufAllocator.DEFAULT,
                settings.historyTicksPerSymbol(),
                counters,
                dispatchers.length);
        this.idle = new WakeableIdleStrategy(
                () -> ring.hasPending() || !commands.isEmpty(), TimeUnit.MILLISECONDS.toNanos(1));
        this.runner = new AgentRunner(idle, t -> LOG.error("sequencer failure", t), null, sequencer);
        this.epoch = Long.toString(ThreadLocalRandom.current().nextLong() >>> 1, 36);
    }

    /** Sizes of the engine's bounded structures. */
    public record Settings(
            int maxSymbols,
            int ingestRingBytes,
            int loopQueueCapacity,
            int loopDrainLimit,
            int historyTicksPerSymbol) {}

    /** Starts the sequencer thread. */
    public FanoutEngine start() {
        AgentRunner.startOnThread(runner, r -> {
            final Thread t = new Thread(r, sequencer.roleName());
            t.setDaemon(true);
            return t;
        });
        return this;
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
     * @return {@link IngestRing#OK}, {@link IngestRing#BACK_PRESSURED} or {@link #CAPACITY}
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
        final int result = ring.offer(symbolId, tick, io.tickfan.protocol.EpochNanos.now());
        if (result == IngestRing.OK) {
            idle.wake();
        } else {
            counters.addShared(Counters.Counter.INGEST_BACK_PRESSURED, 1);
        }
        return result;
    }

    /**
     * Subscriber's loop thread: subscribe {@code s} to {@code symbol}. The snapshot (or the missed
     * ticks after {@code since}, or a reset snapshot) and then the live stream follow on the loop.
     *
     * @param since last seq the client holds, or {@link io.tickfan.protocol.ClientMessage#NO_SINCE}
     * @param epochMatches false when the client's resume point is from another epoch
     * @return the symbol id, or {@link SymbolTable#FULL}
     */
    public int subscribe(Subscriber s, LoopDispatcher d, String symbol, long since, boolean epochMatches) {
        final int id = symbols.register(symbol);
        if (id == SymbolTable.FULL) {
            return id;
        }
        if (s.subscriptions.get(id) != Subscriber.NOT_SUBSCRIBED) {
            return id;
        }
        s.subscriptions.put(id, Subscriber.PENDING);
        commands.offer(Command.subscribe(d.index(), id, s, since, epochMatches));
        idle.wake();
        return id;
    }

    /** Subscriber's loop thread: stop delivering {@code symbolId} to {@code s}; no-op if not subscribed. */
    public void unsubscribe(Subscriber s, LoopDispatcher d, int symbolId) {
        final int state = s.subscriptions.remove(symbolId);
        if (state == Subscriber.NOT_SUBSCRIBED) {
            return;
        }
        if (state == Subscriber.ACTIVE) {
            d.removeLocal(s, symbolId);
        }
        commands.offer(Command.unsubscribe(d.index(), symbolId));
        idle.wake();
    }

    /** Subscriber's loop thread: unsubscribe from everything (on close). */
    public void unsubscribeAll(Subscriber s, LoopDispatcher d) {
        final int[] ids =
                s.subscriptions.keySet().stream().mapToInt(Integer::intValue).toArray();
        for (int id : ids) {
            unsubscribe(s, d, id);
        }
    }

    public SymbolTable symbols() {
        return symbols;
    }

    public Counters counters() {
        return counters;
    }

    /** Identifies this engine's numbering: a resume point from another epoch gets a reset. */
    public String epoch() {
        return epoch;
    }

    /** Stops the sequencer thread and releases history; the event loops must still be running. */
    public void closeSequencer() {
        sequencer.stop();
        runner.close();
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
