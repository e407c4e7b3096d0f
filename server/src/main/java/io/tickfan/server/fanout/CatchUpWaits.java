package io.tickfan.server.fanout;

import io.tickfan.protocol.ClientMessage;
import io.tickfan.server.metrics.Counters;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Resumes that wait for this pod to catch up: with a shared numbering a client may come from a pod
 * that read the broker's streams further, and answering at once would be a reset for a resume
 * that is only early. Such a resume waits (its symbols pending, live ticks going to history
 * meanwhile) until this pod reaches its point, its time is up or the numbering restarts. Sequencer
 * thread only; a standalone pod has none (nobody is ahead of it).
 */
final class CatchUpWaits {
    /** A waiting resume; {@link #epoch} is the numbering it was judged against. */
    private record Waiting(Command command, long deadlineNs, byte[] epoch) {}

    private final long waitNs;
    private final int maxPending;
    private final IntFunction<SymbolState> states;
    private final long[] frontier;
    private final Counters counters;
    private final int counterSlot;
    private final ArrayList<Waiting> waiting = new ArrayList<>();
    private long orderAtLastScan;

    private CatchUpWaits(
            Broker.Numbering numbering, IntFunction<SymbolState> states, long[] frontier, Counters counters, int slot) {
        this.waitNs = TimeUnit.MILLISECONDS.toNanos(numbering.catchUpWaitMs());
        this.maxPending = numbering.catchUpMaxPending();
        this.states = states;
        this.frontier = frontier;
        this.counters = counters;
        this.counterSlot = slot;
    }

    /** The waits {@code numbering} asks for, or null when resumes never wait. */
    static CatchUpWaits of(
            Broker.Numbering numbering, IntFunction<SymbolState> states, long[] frontier, Counters counters, int slot) {
        return numbering.catchUpWaitMs() > 0 && numbering.catchUpMaxPending() > 0
                ? new CatchUpWaits(numbering, states, frontier, counters, slot)
                : null;
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /**
     * A subscribe just applied: holds it back when its resume point is ahead of this pod, while
     * fewer than the bound wait.
     *
     * @return true when it waits (answered later by {@link #release})
     */
    boolean hold(Command c, long nowNs, byte[] epoch) {
        if (waiting.size() >= maxPending || !aheadOfThisPod(c)) {
            return false;
        }
        waiting.add(new Waiting(c, nowNs + waitNs, epoch));
        counters.add(Counters.Counter.RESUMES_WAITED, counterSlot, 1);
        return true;
    }

    /**
     * Answers the waiting resumes this pod has caught up with, those out of time (reset) and those
     * whose numbering restarted meanwhile (reset, as from a foreign epoch). Re-checks the points
     * only when something was sequenced since the last look ({@code order} moved); deadlines come
     * in arrival order, so otherwise only the oldest is looked at.
     *
     * @return how many were answered
     */
    int release(long order, long nowNs, byte[] epoch, Consumer<Command> answer) {
        final boolean moved = order != orderAtLastScan;
        if (!moved && nowNs - waiting.get(0).deadlineNs() < 0) {
            return 0;
        }
        orderAtLastScan = order;
        int kept = 0;
        final int n = waiting.size();
        for (int i = 0; i < n; i++) {
            final Waiting w = waiting.get(i);
            final boolean late = nowNs - w.deadlineNs() >= 0;
            final boolean restarted = w.epoch() != epoch;
            if (late || restarted || (moved && !aheadOfThisPod(w.command()))) {
                if (late && !restarted) {
                    counters.add(Counters.Counter.RESUMES_WAIT_EXPIRED, counterSlot, 1);
                }
                answer.accept(restarted ? w.command().withForeignEpoch() : w.command());
            } else {
                waiting.set(kept++, w);
            }
        }
        waiting.subList(kept, n).clear();
        return n - kept;
    }

    /** Whether a waiting resume names {@code symbolId} (its state must not be reclaimed yet). */
    boolean awaits(int symbolId) {
        for (int i = 0, n = waiting.size(); i < n; i++) {
            for (int id : waiting.get(i).command().symbolIds) {
                if (id == symbolId) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the client's resume point is past what this pod has sequenced, in the epoch both
     * share: the pod it came from read further, and this one will get there in a moment.
     */
    private boolean aheadOfThisPod(Command c) {
        if (!c.epochMatches) {
            return false;
        }
        final int[] ids = c.symbolIds;
        for (int i = 0; i < ids.length; i++) {
            final SymbolState st = states.apply(ids[i]);
            if (c.since[i] != ClientMessage.NO_SINCE) {
                if (c.since[i] > st.seq()) {
                    return true;
                }
            } else if (c.sincePositions != null && c.sincePositions[st.shard] > frontier[st.shard]) {
                return true;
            }
        }
        return false;
    }
}
