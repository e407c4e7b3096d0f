package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.tickfan.protocol.Tick;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Conflation (a lagging subscriber keeps the latest tick per symbol and sends it flagged when it
 * drains), the slow-consumer timer, and maxHz throttling (the latest value at most once per
 * interval), driven by hand: the test decides writability and runs the scheduled tasks.
 */
class SubscriberFlowTest {
    private static final int A = 1;
    private static final int B = 2;

    private final List<EncodedTick> made = new ArrayList<>();
    private final Probe s = new Probe();

    @AfterEach
    void releaseTicks() {
        s.release();
        for (EncodedTick t : made) {
            assertEquals(1, t.refCnt(), "the subscriber kept no reference of " + t.seq());
            t.release();
        }
    }

    @Test
    void shouldWriteEveryTickOfABatchThenConflateTheLatestPerSymbolWhileLagging() {
        s.offer(tick(A, 1));
        s.flushBatch();
        assertEquals(List.of("1"), s.written);

        s.writable = false;
        s.offer(tick(A, 2));
        s.flushBatch();
        assertEquals(List.of("1", "2"), s.written, "the batch that found the transport full is still written");
        assertTrue(s.isLagging());
        assertEquals(1, s.tasks.size(), "the lag check is armed");
        assertEquals(Subscriber.LAG_CHECK_NS, s.delays.get(0));

        s.offer(tick(A, 3));
        s.offer(tick(A, 4));
        s.offer(tick(B, 5));
        s.flushBatch();
        assertEquals(List.of("1", "2"), s.written, "nothing written while lagging");

        s.resumeDelivery();
        assertEquals(List.of("1", "2"), s.written, "still not writable: still held");

        s.writable = true;
        s.resumeDelivery();
        assertFalse(s.isLagging());
        assertEquals(Set.of("4 cf", "5 cf"), new HashSet<>(s.written.subList(2, s.written.size())));
        assertEquals(4, s.written.size(), "3 was superseded by 4");

        s.runTasks();
        assertEquals(0, s.slowCloses, "caught up before the timeout: not closed");
        s.offer(tick(A, 6));
        s.flushBatch();
        assertEquals("6", s.written.get(4), "live again");
    }

    @Test
    void shouldCloseASubscriberStillLaggingAtTheTimeout() {
        s.writable = false;
        s.offer(tick(A, 1));
        s.flushBatch();
        s.offer(tick(A, 2));
        s.flushBatch();
        s.runTasks();
        assertEquals(0, s.slowCloses, "lagging, but not for slowConsumerTimeoutNs yet");
        assertEquals(1, s.tasks.size(), "checked again later");
        s.timeoutNs = 0;
        s.runTasks();
        assertEquals(1, s.slowCloses);
        assertTrue(s.tasks.isEmpty(), "no check after the close");
    }

    @Test
    void shouldConflateAWritableSubscriberWhoseBacklogOutlivesTheLagLimit() {
        s.backlog = true;
        s.offer(tick(A, 1));
        s.flushBatch();
        assertFalse(s.isLagging(), "a backlog younger than the limit is a burst");
        s.lagConflateNs = 0;
        s.offer(tick(A, 2));
        s.flushBatch();
        assertTrue(s.isLagging(), "bytes the peer has not taken for the limit: lagging while writable");
        s.offer(tick(A, 3));
        s.flushBatch();
        assertEquals(List.of("1", "2"), s.written);
        s.backlog = false;
        s.runTasks();
        assertFalse(s.isLagging(), "the check sees it caught up");
        assertEquals(List.of("1", "2", "3 cf"), s.written);
    }

    @Test
    void shouldSendAThrottledSymbolsLatestValueOncePerInterval() {
        s.setMaxHz(A, 1);
        s.offer(tick(A, 1));
        s.offer(tick(B, 2));
        s.offer(tick(A, 3));
        s.offer(tick(A, 4));
        s.flushBatch();
        assertEquals(List.of("1", "2"), s.written, "the first goes at once, an unthrottled symbol is untouched");
        assertEquals(1, s.tasks.size(), "one timer for the pending value, not one per tick");
        assertTrue(s.delays.get(0) > 0 && s.delays.get(0) <= TimeUnit.SECONDS.toNanos(1), "" + s.delays);

        s.runTasks();
        assertEquals(List.of("1", "2", "4"), s.written, "the latest value when the interval is up, 3 skipped");

        s.offer(tick(A, 5));
        s.flushBatch();
        assertEquals(3, s.written.size(), "within the next interval: held");
        s.setMaxHz(A, 0);
        s.runTasks();
        assertEquals(3, s.written.size(), "removing the limit drops the pending value (the next tick goes at once)");
        s.offer(tick(A, 6));
        s.flushBatch();
        assertEquals("6", s.written.get(3));
    }

    @Test
    void shouldConflateAThrottledValueThatComesDueWhileLagging() {
        s.setMaxHz(A, 1);
        s.offer(tick(A, 1));
        s.offer(tick(A, 2));
        s.flushBatch();
        assertEquals(List.of("1"), s.written);
        s.writable = false;
        s.offer(tick(B, 3));
        s.flushBatch();
        assertTrue(s.isLagging());
        s.runTasks(); // the throttle's timer, then the lag check
        assertEquals(List.of("1", "3"), s.written, "due, but the transport is full: held with the conflated");
        s.writable = true;
        s.resumeDelivery();
        assertEquals(List.of("1", "3", "2 cf"), s.written);
    }

    @Test
    void shouldConflateAReaderThatLeavesAReadReceiptUnansweredPastTheLagLimit() {
        s.lagConflateNs = TimeUnit.SECONDS.toNanos(1);
        s.unansweredSinceNs = System.nanoTime();
        s.offer(tick(A, 1));
        s.flushBatch();
        assertFalse(s.isLagging(), "a receipt younger than the limit is in flight");
        s.unansweredSinceNs = System.nanoTime() - TimeUnit.SECONDS.toNanos(2);
        s.offer(tick(A, 2));
        s.flushBatch();
        assertTrue(s.isLagging(), "writable, no backlog, but the reader has not read for the limit");
        s.offer(tick(A, 3));
        s.flushBatch();
        s.runTasks();
        assertTrue(s.isLagging(), "still unanswered: still conflated");
        assertEquals(List.of("1", "2"), s.written);
        s.unansweredSinceNs = 0;
        s.runTasks();
        assertFalse(s.isLagging());
        assertEquals(List.of("1", "2", "3 cf"), s.written);
    }

    @Test
    void shouldThrottleEachSymbolOnItsOwnInterval() {
        s.setMaxHz(A, 1);
        s.setMaxHz(B, 50);
        s.offer(tick(A, 1));
        s.offer(tick(B, 2));
        s.offer(tick(A, 3));
        s.offer(tick(B, 4));
        s.flushBatch();
        assertEquals(List.of("1", "2"), s.written);
        assertEquals(2, s.tasks.size(), "one timer per throttled symbol");
        assertTrue(s.delays.get(0) > TimeUnit.MILLISECONDS.toNanos(20), "A waits up to 1 s: " + s.delays);
        assertTrue(s.delays.get(1) <= TimeUnit.MILLISECONDS.toNanos(20), "B waits up to 20 ms: " + s.delays);
    }

    @Test
    void shouldReleaseEveryHeldTickOnCloseAndIgnoreTimersThatFireAfter() {
        s.setMaxHz(A, 1);
        s.offer(tick(A, 1));
        s.offer(tick(A, 2));
        s.flushBatch();
        s.writable = false;
        s.offer(tick(B, 3));
        s.flushBatch();
        s.offer(tick(B, 4));
        s.flushBatch();
        assertEquals(2, made.get(1).refCnt(), "the pending throttled value is held");
        assertEquals(2, made.get(3).refCnt(), "the conflated value is held");
        s.release();
        assertEquals(1, made.get(1).refCnt());
        assertEquals(1, made.get(3).refCnt());
        s.runTasks();
        assertEquals(List.of("1", "3"), s.written, "nothing sent by a timer after the close");
    }

    private EncodedTick tick(int symbolId, long seq) {
        final Tick t = new Tick();
        t.seq = seq;
        final EncodedTick e = EncodedTick.of(
                symbolId,
                ("S" + symbolId).getBytes(StandardCharsets.US_ASCII),
                t,
                seq,
                Unpooled.buffer(4).writeInt((int) seq),
                Unpooled.buffer(4).writeInt((int) seq));
        made.add(e);
        return e;
    }

    /** A subscriber whose transport and timers the test drives. */
    private static final class Probe extends Subscriber {
        final List<String> written = new ArrayList<>();
        final List<Runnable> tasks = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        boolean writable = true;
        boolean backlog;
        long lagConflateNs = Long.MAX_VALUE;
        long unansweredSinceNs;
        long timeoutNs = TimeUnit.SECONDS.toNanos(5);
        int slowCloses;

        void runTasks() {
            final List<Runnable> due = new ArrayList<>(tasks);
            tasks.clear();
            due.forEach(Runnable::run);
        }

        void release() {
            releaseHeld();
        }

        @Override
        protected boolean isWritable() {
            return writable;
        }

        @Override
        protected void deliver(EncodedTick tick) {
            written.add(Long.toString(tick.seq()));
        }

        @Override
        protected void deliverConflated(EncodedTick tick) {
            written.add(tick.seq() + " cf");
        }

        @Override
        protected void flush() {}

        @Override
        protected void schedule(Runnable task, long delayNs) {
            tasks.add(task);
            delays.add(delayNs);
        }

        @Override
        protected boolean hasBacklog() {
            return backlog;
        }

        @Override
        protected long unansweredSinceNs() {
            return unansweredSinceNs;
        }

        @Override
        protected long lagConflateNs() {
            return lagConflateNs;
        }

        @Override
        protected long slowConsumerTimeoutNs() {
            return timeoutNs;
        }

        @Override
        protected void closeSlowConsumer() {
            slowCloses++;
        }
    }
}
