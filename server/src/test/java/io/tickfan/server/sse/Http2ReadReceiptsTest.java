package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An HTTP/2 connection's read receipts on an {@link EmbeddedChannel} (its clock frozen, so the
 * reset timer fires only when the test advances it): a numbered PING when due, its ACK swallowed,
 * and a reset when a PING stays unanswered with nothing answered since.
 */
class Http2ReadReceiptsTest {
    private static final long INTERVAL_MS = 500;
    private static final long CLOSE_AFTER_MS = 3_000;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final EmbeddedChannel channel = new EmbeddedChannel();
    private Http2ReadReceipts receipts;
    /** A time no earlier than the handler's creation: the receipts' clock starts before it. */
    private long startNs;

    private void add(long intervalMs) {
        channel.freezeTime();
        receipts = new Http2ReadReceipts(intervalMs, CLOSE_AFTER_MS);
        channel.pipeline().addLast(Http2ReadReceipts.NAME, receipts);
        startNs = System.nanoTime();
    }

    @AfterEach
    void close() {
        channel.finishAndReleaseAll();
    }

    /** The number of the PING written since the last call; fails if anything else was written. */
    private long pingSent() {
        final Object o = channel.readOutbound();
        assertTrue(o instanceof Http2PingFrame, "a PING frame: " + o);
        final Http2PingFrame ping = (Http2PingFrame) o;
        assertFalse(ping.ack());
        assertNull(channel.readOutbound(), "one PING at a time");
        return ping.content();
    }

    private void advanceMs(long ms) {
        channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        channel.runScheduledPendingTasks();
    }

    @Test
    void shouldSendANumberedPingOncePerIntervalWhileTicksFlow() {
        add(INTERVAL_MS);
        receipts.ask(startNs);
        assertEquals(1, pingSent(), "the first at once");
        receipts.ask(startNs + (INTERVAL_MS - 1) * MS);
        assertNull(channel.readOutbound(), "at most one per interval");
        receipts.ask(startNs + INTERVAL_MS * MS);
        assertEquals(2, pingSent());
    }

    @Test
    void shouldSwallowThePingAckAndPassEverythingElseOn() {
        add(INTERVAL_MS);
        receipts.ask(startNs);
        assertEquals(1, pingSent());
        assertEquals(0, receipts.unansweredSinceNs(), "a peer that never answered is not judged by receipts");
        channel.writeInbound(new DefaultHttp2PingFrame(1, true));
        assertNull(channel.readInbound(), "the ACK is the receipt's, not the streams'");
        receipts.ask(startNs + INTERVAL_MS * MS);
        assertEquals(2, pingSent());
        assertNotEquals(0, receipts.unansweredSinceNs(), "a PING is owed by a peer that answers");

        channel.writeInbound(new DefaultHttp2PingFrame(2, true));
        assertNull(channel.readInbound(), "the ACK is the receipt's, not the streams'");
        assertEquals(0, receipts.unansweredSinceNs(), "nothing owed once answered");

        final Http2PingFrame clientPing = new DefaultHttp2PingFrame(7, false);
        channel.writeInbound(clientPing);
        assertSame(clientPing, channel.readInbound(), "the client's own PING goes on");
        final ByteBuf other = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
        channel.writeInbound(other);
        final ByteBuf passed = channel.readInbound();
        try {
            assertSame(other, passed, "other connection messages go on, not released here");
            assertEquals(1, passed.refCnt());
        } finally {
            passed.release();
        }
    }

    @Test
    void shouldResetTheConnectionWhenAPingStaysUnansweredPastTheLimit() {
        add(INTERVAL_MS);
        receipts.ask(startNs + INTERVAL_MS * MS);
        pingSent();
        advanceMs(CLOSE_AFTER_MS - 1);
        assertTrue(channel.isOpen(), "not before the limit");
        advanceMs(1);
        assertFalse(channel.isOpen(), "a client that reads nothing loses the connection");
    }

    @Test
    void shouldKeepAConnectionWhosePingWasAnswered() {
        add(INTERVAL_MS);
        receipts.ask(startNs + INTERVAL_MS * MS);
        channel.writeInbound(new DefaultHttp2PingFrame(pingSent(), true));
        advanceMs(CLOSE_AFTER_MS);
        assertTrue(channel.isOpen());
    }

    @Test
    void shouldResetWhenOnlyPingsSentBeforeTheLastAnswerWereAnswered() {
        add(INTERVAL_MS);
        receipts.ask(startNs + INTERVAL_MS * MS);
        channel.writeInbound(new DefaultHttp2PingFrame(pingSent(), true));
        receipts.ask(startNs + 2 * INTERVAL_MS * MS); // sent after that answer
        assertEquals(2, pingSent());
        advanceMs(CLOSE_AFTER_MS);
        assertFalse(channel.isOpen(), "an old answer does not excuse a PING owed since");
    }

    @Test
    void shouldKeepAConnectionThatAnsweredSinceTheOwedPingWasSent() {
        add(1);
        receipts.ask(startNs + MS);
        assertEquals(1, pingSent());
        final long secondAskedNs = startNs + 2 * MS;
        receipts.ask(secondAskedNs);
        assertEquals(2, pingSent());
        while (System.nanoTime() - secondAskedNs <= 0) {
            Thread.onSpinWait(); // the answer must come after PING 2 was sent, on the handler's clock
        }
        channel.writeInbound(new DefaultHttp2PingFrame(1, true));
        advanceMs(CLOSE_AFTER_MS);
        assertTrue(channel.isOpen(), "PING 2 is owed, but the client read since it was sent: it is behind, not gone");
        assertNotEquals(0, receipts.unansweredSinceNs());
    }

    @Test
    void shouldSendNothingWhenOffOrOnceTheConnectionIsClosed() {
        add(0);
        receipts.ask(startNs + 100 * INTERVAL_MS * MS);
        assertNull(channel.readOutbound(), "receipts off");
        assertEquals(0, receipts.unansweredSinceNs());

        final EmbeddedChannel closed = new EmbeddedChannel();
        try {
            final Http2ReadReceipts onClosed = new Http2ReadReceipts(INTERVAL_MS, CLOSE_AFTER_MS);
            closed.pipeline().addLast(onClosed);
            final long addedNs = System.nanoTime();
            closed.close();
            onClosed.ask(addedNs + INTERVAL_MS * MS);
            assertNull(closed.readOutbound());
            assertEquals(0, onClosed.unansweredSinceNs(), "nothing asked, nothing owed");
        } finally {
            closed.finishAndReleaseAll();
        }
    }
}
