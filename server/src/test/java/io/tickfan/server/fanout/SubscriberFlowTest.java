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
 * interval): the engine's {@link Subscriber} against a plain sink, no channel, driven by hand: the
 * test decides writability and runs the scheduled tasks.
 */
class SubscriberFlowTest {
    private static final int A = 1;
    private static final int B = 2;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);

    private final List<EncodedTick> made = new ArrayList<>();
    private final Probe sink = new Probe();
    private Subscriber s = new Subscriber(sink, Long.MAX_VALUE, TIMEOUT_NS);

    @AfterEach
    void releaseTicks() {
        s.releaseHeld();
        for (EncodedTick t : made) {
            assertEquals(1, t.refCnt(), "the subscriber kept no reference of " + t.seq());
            t.release();
        }
    }

    @Test
    void shouldHandTheSinkABatchInOneWritePerRunOfTicksThenOneFlushAndCountWhatItWrote() {
        s.offer(tick(A, 1));
        s.subscribed("ack"); // a subscribe applied in the batch: what was queued before goes first
        s.offer(tick(B, 2));
        s.offer(tick(B, 3));
        s.replied(new byte[] {'e'}, new long[] {3});
        s.offer(tick(A, 4));
        s.offer(tick(A, 5));
        assertEquals(List.of("1", "ack", "2", "3", "reply"), sink.written, "the rest waits for the batch's end");
        assertEquals(0, sink.flushes, "nothing flushed inside the batch");
        s.flushBatch();
        assertEquals(List.of("1", "ack", "2", "3", "reply", "4", "5"), sink.written);
        assertEquals(3, sink.writes, "one writeTicks per run of ticks, never one per tick");
        assertEquals(1, sink.flushes, "one flush per batch");
        assertEquals(5, s.ticksWritten());
        assertEquals(3, s.batchesWritten());
        assertEquals(5 * 4, s.tickBytesWritten(), "the bytes the sink said it wrote");
        s.subscribed(null);
        s.flushBatch();
        assertEquals(3, sink.writes, "an empty batch writes nothing");
        assertEquals(2, sink.flushes);
    }

    @Test
    void shouldWriteEveryTickOfABatchThenConflateTheLatestPerSymbolWhileLagging() {
        s.offer(tick(A, 1));
        s.flushBatch();
        assertEquals(List.of("1"), sink.written);

        sink.writable = false;
        s.offer(tick(A, 2));
        s.flushBatch();
        assertEquals(List.of("1", "2"), sink.written, "the batch that found the transport full is still written");
        assertTrue(s.isLagging());
        assertEquals(1, sink.tasks.size(), "the lag check is armed");
        assertEquals(Subscriber.LAG_CHECK_NS, sink.delays.get(0));

        s.offer(tick(A, 3));
        s.offer(tick(A, 4));
        s.offer(tick(B, 5));
        s.flushBatch();
        assertEquals(List.of("1", "2"), sink.written, "nothing written while lagging");

        s.resumeDelivery();
        assertEquals(List.of("1", "2"), sink.written, "still not writable: still held");

        sink.writable = true;
        s.resumeDelivery();
        assertFalse(s.isLagging());
        assertEquals(Set.of("4 cf", "5 cf"), new HashSet<>(sink.written.subList(2, sink.written.size())));
        assertEquals(4, sink.written.size(), "3 was superseded by 4");

        sink.runTasks();
        assertEquals(0, sink.slowCloses, "caught up before the timeout: not closed");
        s.offer(tick(A, 6));
        s.flushBatch();
        assertEquals("6", sink.written.get(4), "live again");
    }

    @Test
    void shouldCheckALaggingSubscriberAgainUntilTheTimeout() {
        sink.writable = false;
        s.offer(tick(A, 1));
        s.flushBatch();
        s.offer(tick(A, 2));
        s.flushBatch();
        sink.runTasks();
        assertEquals(0, sink.slowCloses, "lagging, but not for slowConsumerTimeoutNs yet");
        assertEquals(1, sink.tasks.size(), "checked again later");
    }

    @Test
    void shouldCloseASubscriberStillLaggingAtTheTimeout() {
        s = new Subscriber(sink, Long.MAX_VALUE, 0);
        sink.writable = false;
        s.offer(tick(A, 1));
        s.flushBatch();
        s.offer(tick(A, 2));
        s.flushBatch();
        sink.runTasks();
        assertEquals(1, sink.slowCloses, "the sink is told to close it");
        assertTrue(sink.tasks.isEmpty(), "no check after the close");
    }

    @Test
    void shouldNotConflateForABacklogYoungerThanTheLagLimit() {
        s = new Subscriber(sink, TimeUnit.HOURS.toNanos(1), TIMEOUT_NS);
        sink.backlog = true;
        s.offer(tick(A, 1));
        s.flushBatch();
        s.offer(tick(A, 2));
        s.flushBatch();
        assertFalse(s.isLagging(), "a backlog younger than the limit is a burst");
        assertEquals(List.of("1", "2"), sink.written);
    }

    @Test
    void shouldConflateAWritableSubscriberWhoseBacklogOutlivesTheLagLimit() {
        s = new Subscriber(sink, 0, TIMEOUT_NS);
        sink.backlog = true;
        s.offer(tick(A, 1));
        s.flushBatch();
        assertTrue(s.isLagging(), "bytes the peer has not taken for the limit: lagging while writable");
        s.offer(tick(A, 2));
        s.flushBatch();
        assertEquals(List.of("1"), sink.written);
        sink.backlog = false;
        sink.runTasks();
        assertFalse(s.isLagging(), "the check sees it caught up");
        assertEquals(List.of("1", "2 cf"), sink.written);
    }

    @Test
    void shouldSendAThrottledSymbolsLatestValueOncePerInterval() {
        s.setMaxHz(A, 1);
        s.offer(tick(A, 1));
        s.offer(tick(B, 2));
        s.offer(tick(A, 3));
        s.offer(tick(A, 4));
        s.flushBatch();
        assertEquals(List.of("1", "2"), sink.written, "the first goes at once, an unthrottled symbol is untouched");
        assertEquals(1, sink.tasks.size(), "one timer for the pending value, not one per tick");
        assertTrue(sink.delays.get(0) > 0 && sink.delays.get(0) <= TimeUnit.SECONDS.toNanos(1), "" + sink.delays);

        sink.runTasks();
        assertEquals(List.of("1", "2", "4"), sink.written, "the latest value when the interval is up, 3 skipped");

        s.offer(tick(A, 5));
        s.flushBatch();
        assertEquals(3, sink.written.size(), "within the next interval: held");
        s.setMaxHz(A, 0);
        sink.runTasks();
        assertEquals(3, sink.written.size(), "removing the limit drops the pending value (the next tick goes at once)");
        s.offer(tick(A, 6));
        s.flushBatch();
        assertEquals("6", sink.written.get(3));
    }

    @Test
    void shouldConflateAThrottledValueThatComesDueWhileLagging() {
        s.setMaxHz(A, 1);
        s.offer(tick(A, 1));
        s.offer(tick(A, 2));
        s.flushBatch();
        assertEquals(List.of("1"), sink.written);
        sink.writable = false;
        s.offer(tick(B, 3));
        s.flushBatch();
        assertTrue(s.isLagging());
        sink.runTasks(); // the throttle's timer, then the lag check
        assertEquals(List.of("1", "3"), sink.written, "due, but the transport is full: held with the conflated");
        sink.writable = true;
        s.resumeDelivery();
        assertEquals(List.of("1", "3", "2 cf"), sink.written);
    }

    @Test
    void shouldConflateAReaderThatLeavesAReadReceiptUnansweredPastTheLagLimit() {
        s = new Subscriber(sink, TimeUnit.SECONDS.toNanos(1), TIMEOUT_NS);
        sink.unansweredSinceNs = System.nanoTime();
        s.offer(tick(A, 1));
        s.flushBatch();
        assertFalse(s.isLagging(), "a receipt younger than the limit is in flight");
        sink.unansweredSinceNs = System.nanoTime() - TimeUnit.SECONDS.toNanos(2);
        s.offer(tick(A, 2));
        s.flushBatch();
        assertTrue(s.isLagging(), "writable, no backlog, but the reader has not read for the limit");
        s.offer(tick(A, 3));
        s.flushBatch();
        sink.runTasks();
        assertTrue(s.isLagging(), "still unanswered: still conflated");
        assertEquals(List.of("1", "2"), sink.written);
        sink.unansweredSinceNs = 0;
        sink.runTasks();
        assertFalse(s.isLagging());
        assertEquals(List.of("1", "2", "3 cf"), sink.written);
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
        assertEquals(List.of("1", "2"), sink.written);
        assertEquals(2, sink.tasks.size(), "one timer per throttled symbol");
        assertTrue(sink.delays.get(0) > TimeUnit.MILLISECONDS.toNanos(20), "A waits up to 1 s: " + sink.delays);
        assertTrue(sink.delays.get(1) <= TimeUnit.MILLISECONDS.toNanos(20), "B waits up to 20 ms: " + sink.delays);
    }

    @Test
    void shouldReleaseEveryHeldTickOnCloseAndIgnoreTimersThatFireAfter() {
        s.setMaxHz(A, 1);
        s.offer(tick(A, 1));
        s.offer(tick(A, 2));
        s.flushBatch();
        sink.writable = false;
        s.offer(tick(B, 3));
        s.flushBatch();
        s.offer(tick(B, 4));
        s.flushBatch();
        assertEquals(2, made.get(1).refCnt(), "the pending throttled value is held");
        assertEquals(2, made.get(3).refCnt(), "the conflated value is held");
        s.releaseHeld();
        assertEquals(1, made.get(1).refCnt());
        assertEquals(1, made.get(3).refCnt());
        sink.runTasks();
        assertEquals(List.of("1", "3"), sink.written, "nothing sent by a timer after the close");
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

    /** A sink with no channel behind it: the test sets what it reports and runs its timers. */
    private static final class Probe implements TickSink {
        final List<String> written = new ArrayList<>();
        final List<Runnable> tasks = new ArrayList<>();
        final List<Long> delays = new ArrayList<>();
        boolean writable = true;
        boolean backlog;
        long unansweredSinceNs;
        int writes;
        int flushes;
        int slowCloses;

        void runTasks() {
            final List<Runnable> due = new ArrayList<>(tasks);
            tasks.clear();
            due.forEach(Runnable::run);
        }

        @Override
        public boolean isWritable() {
            return writable;
        }

        @Override
        public long writeTicks(EncodedTick[] ticks, int count) {
            writes++;
            long bytes = 0;
            for (int i = 0; i < count; i++) {
                written.add(Long.toString(ticks[i].seq()));
                bytes += ticks[i].sseEvent().readableBytes();
            }
            return bytes;
        }

        @Override
        public int writeConflated(EncodedTick tick) {
            written.add(tick.seq() + " cf");
            return 100;
        }

        @Override
        public void flush() {
            flushes++;
        }

        @Override
        public void onSubscribed(String ack) {
            written.add(ack);
        }

        @Override
        public void afterReply(byte[] epochAscii, long[] positions) {
            written.add("reply");
        }

        @Override
        public void schedule(Runnable task, long delayNs) {
            tasks.add(task);
            delays.add(delayNs);
        }

        @Override
        public boolean hasBacklog() {
            return backlog;
        }

        @Override
        public long unansweredSinceNs() {
            return unansweredSinceNs;
        }

        @Override
        public void closeSlowConsumer() {
            slowCloses++;
        }
    }
}
