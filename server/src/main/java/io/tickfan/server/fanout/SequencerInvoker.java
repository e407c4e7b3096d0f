package io.tickfan.server.fanout;

import io.tickfan.protocol.Tick;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentInvoker;

/**
 * The engine's sequencer driven by hand, on the caller's thread, instead of on its own ({@link
 * FanoutEngine#invoker}), as Aeron's {@code AgentInvoker} drives an agent: tests step the engine
 * without threads or sleeps, and benchmarks measure its steps without reaching into the package.
 * One thread at a time, and never together with {@link FanoutEngine#start}.
 */
public final class SequencerInvoker {
    private final AgentInvoker invoker;
    private final Sequencer sequencer;

    SequencerInvoker(Sequencer sequencer, ErrorHandler onError) {
        this.sequencer = sequencer;
        this.invoker = new AgentInvoker(onError, null, sequencer);
        invoker.start();
    }

    /**
     * One duty cycle: the queued commands (subscribe replies among them), the ingest ring, one wake
     * per event loop queued to.
     *
     * @return the work done; 0 when there was nothing to do
     */
    public int invoke() {
        return invoker.invoke();
    }

    /**
     * The sequencer's step for one tick as if drained from the ingest ring, without the ring and
     * outside a duty cycle (what one tick costs the sequencer): numbered, merged, encoded once,
     * kept in history and queued to the loops with subscribers, which are not woken. {@code tick}
     * is not kept.
     */
    public void sequence(int symbolId, Tick tick) {
        sequencer.sequence(symbolId, tick);
    }

    /**
     * As the sequencer does per tick and loop with a subscriber: hands {@code loop} one reference of
     * {@code tick}.
     *
     * @return false when the loop's queue is full (the reference stays the caller's)
     */
    public static boolean queue(LoopDispatcher loop, EncodedTick tick) {
        return loop.offer(tick);
    }

    /** As the sequencer does once per cycle and loop it queued to: makes sure the loop drains. */
    public static void wake(LoopDispatcher loop) {
        loop.wake();
    }

    void close() {
        invoker.close();
    }
}
