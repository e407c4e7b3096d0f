package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Read receipts judged by progress, driven by an explicit clock. */
class ReadReceiptsTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void shouldAskTheFirstAtOnceThenOncePerIntervalWhetherOrNotOneIsOwed() {
        final ReadReceipts r = new ReadReceipts(500, 0);
        assertEquals(1, r.due(0), "the first at once: the peer shows early whether it answers");
        assertEquals(0, r.due(499 * MS));
        assertEquals(2, r.due(500 * MS));
        r.answered(2, 501 * MS);
        assertEquals(0, r.due(900 * MS));
        assertEquals(3, r.due(1000 * MS));
        assertEquals(0, r.due(1499 * MS), "owed: no sooner (every ping costs the server a read)");
        assertEquals(4, r.due(1500 * MS));
    }

    @Test
    void shouldSeeAReaderThatStopsAnsweringFromItsOldestOwedReceipt() {
        final ReadReceipts r = new ReadReceipts(500, 0);
        assertEquals(0, r.stalledSinceNs(), "nothing owed");
        r.due(0);
        r.answered(1, 10 * MS);
        r.due(500 * MS);
        r.due(1000 * MS);
        r.due(1500 * MS);
        assertEquals(500 * MS, r.stalledSinceNs() & ~1L);
        assertTrue(r.unansweredSinceSent(2));
    }

    @Test
    void shouldNotJudgeAPeerThatHasNeverAnswered() {
        final ReadReceipts r = new ReadReceipts(500, 0);
        for (int i = 1; i <= 6; i++) {
            assertEquals(i, r.due(i * 500 * MS));
        }
        assertEquals(0, r.stalledSinceNs(), "a client that ignores pings is left to the byte signals");
        assertTrue(r.unansweredSinceSent(1), "but what it owes is still known");
        r.answered(1, 3100 * MS);
        assertEquals(3100 * MS, r.stalledSinceNs() & ~1L, "once it answers, it is judged");
    }

    @Test
    void shouldNotJudgeAReaderThatIsBehindButKeepsAnswering() {
        final ReadReceipts r = new ReadReceipts(500, 0);
        assertEquals(1, r.due(0));
        r.answered(1, 1 * MS);
        for (int i = 2; i <= 7; i++) {
            assertEquals(i, r.due((i - 1) * 500 * MS));
        }
        // Three seconds behind, but receipt 2 came back just now: it reads.
        r.answered(2, 3000 * MS);
        assertEquals(3000 * MS, r.stalledSinceNs() & ~1L);
        assertFalse(r.unansweredSinceSent(3), "answered something since receipt 3 was sent");
        r.answered(7, 3100 * MS);
        assertEquals(0, r.stalledSinceNs(), "caught up");
    }

    @Test
    void shouldIgnoreUnknownAnswersAndStopAskingWhenTooManyAreOwed() {
        final ReadReceipts r = new ReadReceipts(1, 0);
        assertEquals(1, r.due(0));
        r.answered(1, 0);
        for (int i = 1; i <= ReadReceipts.MAX_OUTSTANDING; i++) {
            assertEquals(i + 1, r.due(i * MS));
        }
        assertEquals(0, r.due(1000 * MS), "no more in flight");
        r.answered(0, 1000 * MS);
        r.answered(99, 1000 * MS);
        assertEquals(MS, r.stalledSinceNs() & ~1L, "answers to receipts never sent change nothing");
        r.answered(4, 1001 * MS);
        assertEquals(ReadReceipts.MAX_OUTSTANDING + 2, r.due(1002 * MS));
    }

    /** One owed at a time for a long while, then a reader that falls behind: every time is kept. */
    @Test
    void shouldKeepTheTimesOfAReaderThatKeepsUpAndThenFallsBehind() {
        final ReadReceipts r = new ReadReceipts(500, 0);
        for (int i = 1; i <= 20; i++) {
            assertEquals(i, r.due((i - 1) * 500 * MS));
            r.answered(i, ((i - 1) * 500 + 5) * MS);
            assertEquals(0, r.stalledSinceNs(), "nothing owed after each answer");
        }
        assertEquals(21, r.due(10_000 * MS));
        assertEquals(10_000 * MS, r.stalledSinceNs() & ~1L, "owes 21, asked at 10,000 ms");
        assertEquals(22, r.due(10_500 * MS));
        assertEquals(23, r.due(11_000 * MS));
        assertEquals(10_000 * MS, r.stalledSinceNs() & ~1L, "still from the oldest owed");
        assertTrue(r.unansweredSinceSent(21));
        r.answered(21, 11_100 * MS);
        assertEquals(11_100 * MS, r.stalledSinceNs() & ~1L, "the answer is later than receipt 22's ask");
        assertFalse(r.unansweredSinceSent(22), "answered something since 22 was sent");
        r.answered(23, 11_200 * MS);
        assertEquals(0, r.stalledSinceNs());
    }

    @Test
    void shouldNeverAskWhenOff() {
        final ReadReceipts r = new ReadReceipts(0, 0);
        assertEquals(0, r.due(TimeUnit.SECONDS.toNanos(100)));
    }
}
