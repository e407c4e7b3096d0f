package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.ClientMessage;
import io.tickfan.server.metrics.Counters;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Resumes ahead of this pod wait for it to catch up, on symbol states filled by hand: answered
 * once the pod reaches their point, at their deadline, or at once (as foreign) when the numbering
 * restarts; never more than the bound at once. No thread, no engine.
 */
class CatchUpWaitsTest {
    private static final long SECOND = TimeUnit.SECONDS.toNanos(1);
    private static final byte[] EPOCH = "e1".getBytes(StandardCharsets.US_ASCII);

    private final SymbolState[] states = {symbol(0, "A"), symbol(1, "B")};
    private final long[] frontier = new long[1];
    private final Counters counters = new Counters(1);
    private final CatchUpWaits waits =
            CatchUpWaits.of(new Broker.Numbering(true, 0, 0, 1_000, 2, false), id -> states[id], frontier, counters, 0);
    private final List<Command> answered = new ArrayList<>();
    private long order;

    private static SymbolState symbol(int id, String name) {
        return new SymbolState(
                id, name, name.getBytes(StandardCharsets.US_ASCII), 1, new TickHistory(4, 60 * SECOND), 1);
    }

    private static Command resume(int symbolId, long since, boolean epochMatches) {
        return Command.subscribe(0, new int[] {symbolId}, null, new long[] {since}, null, epochMatches, null);
    }

    private void sequenced(SymbolState st, long seq) {
        st.last.seq = seq;
        order++;
    }

    @Test
    void shouldNotExistWhenResumesNeverWait() {
        assertNull(CatchUpWaits.of(Broker.Numbering.STANDALONE, id -> states[id], frontier, counters, 0));
    }

    @Test
    void shouldHoldAResumeAheadOfThePodUntilThePodReachesItsPoint() {
        sequenced(states[0], 5);
        final Command early = resume(0, 7, true);
        assertTrue(waits.hold(early, 0, EPOCH), "seq 7 is ahead of this pod's 5");
        assertEquals(1, counters.get(Counters.Counter.RESUMES_WAITED));
        assertEquals(0, waits.release(order, 1, EPOCH, answered::add), "seq 7 not reached");
        sequenced(states[0], 6);
        assertEquals(0, waits.release(order, 2, EPOCH, answered::add), "still behind");
        sequenced(states[0], 7);
        assertEquals(1, waits.release(order, 3, EPOCH, answered::add));
        assertSame(early, answered.get(0));
        assertTrue(waits.isEmpty());
    }

    @Test
    void shouldAnswerAtOnceAResumeNotAheadOrWithoutAPointOrFromAnotherEpoch() {
        sequenced(states[0], 5);
        assertFalse(waits.hold(resume(0, 5, true), 0, EPOCH), "at the pod's point: a replay, now");
        assertFalse(waits.hold(resume(0, ClientMessage.NO_SINCE, true), 0, EPOCH), "no point: a snapshot");
        assertFalse(waits.hold(resume(0, 9, false), 0, EPOCH), "another epoch: a reset, now");
        assertTrue(waits.isEmpty());
    }

    @Test
    void shouldAnswerAWaitingResumeAtItsDeadline() {
        final Command early = resume(1, 3, true);
        assertTrue(waits.hold(early, 0, EPOCH));
        assertEquals(0, waits.release(order, SECOND - 1, EPOCH, answered::add));
        assertEquals(1, waits.release(order, SECOND, EPOCH, answered::add));
        assertSame(early, answered.get(0), "answered as it is: the reply makes it a reset");
        assertEquals(1, counters.get(Counters.Counter.RESUMES_WAIT_EXPIRED));
    }

    @Test
    void shouldAnswerAWaitingResumeAsForeignOnceTheNumberingRestarts() {
        assertTrue(waits.hold(resume(1, 3, true), 0, EPOCH));
        final byte[] next = "e2".getBytes(StandardCharsets.US_ASCII);
        assertEquals(1, waits.release(++order, 1, next, answered::add));
        assertFalse(answered.get(0).epochMatches, "its point belongs to a numbering that is gone");
        assertEquals(0, counters.get(Counters.Counter.RESUMES_WAIT_EXPIRED));
    }

    @Test
    void shouldHoldNoMoreThanTheBoundAndKnowWhichSymbolsAreAwaited() {
        assertTrue(waits.hold(resume(0, 3, true), 0, EPOCH));
        assertTrue(waits.hold(resume(0, 4, true), 0, EPOCH));
        assertFalse(waits.hold(resume(1, 3, true), 0, EPOCH), "two wait already: answered at once");
        assertTrue(waits.awaits(0));
        assertFalse(waits.awaits(1));
    }
}
