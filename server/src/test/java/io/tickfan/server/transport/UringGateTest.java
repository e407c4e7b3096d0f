package io.tickfan.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.channels.ClosedChannelException;
import org.junit.jupiter.api.Test;

/**
 * The gate of the io_uring write path on an {@link EmbeddedChannel}: while a batch is in flight
 * the pipeline's writes and flushes wait; when it completes, what the kernel did not take of it
 * goes first, then what waited, with one flush; a close fails what waited.
 */
class UringGateTest {
    private final FlushCounter flushes = new FlushCounter();
    private final UringGate gate = new UringGate(null, -1);
    // The flush counter between the gate and the socket.
    private final EmbeddedChannel channel = new EmbeddedChannel(flushes, gate);

    @Test
    void shouldLetWritesThroughWhileNothingIsInFlight() {
        final ByteBuf ack = bytes("ack");
        channel.writeAndFlush(ack);
        assertSame(ack, channel.readOutbound());
        assertEquals(1, flushes.count);
        assertFalse(gate.busy());
        ack.release();
    }

    @Test
    void shouldWriteTheRestOfTheBatchBeforeWhatWaitedBehindIt() {
        gate.submitted(7);
        final ByteBuf pong = bytes("pong");
        channel.writeAndFlush(pong);
        assertNull(channel.readOutbound(), "held while the batch is in flight");
        assertEquals(0, flushes.count, "the flush waits too");
        assertTrue(gate.busy());

        final ByteBuf rest = bytes("rest");
        gate.completed(new ByteBuf[] {rest, null}, 1);
        assertSame(rest, channel.readOutbound(), "what the kernel did not take goes first");
        assertSame(pong, channel.readOutbound(), "then what waited");
        assertEquals(1, flushes.count, "one flush for both");
        assertFalse(gate.busy());
        rest.release();
        pong.release();
    }

    @Test
    void shouldFlushNothingWhenTheBatchCompletedWholeAndNothingWaited() {
        gate.submitted(1);
        gate.completed(null, 0);
        assertNull(channel.readOutbound());
        assertEquals(0, flushes.count);
        assertFalse(gate.busy());
    }

    @Test
    void shouldFailWhatWaitedWhenTheChannelCloses() {
        gate.submitted(3);
        final ByteBuf frame = bytes("close frame");
        final ChannelFuture write = channel.write(frame);
        channel.close();
        assertEquals(0, frame.refCnt(), "released");
        assertInstanceOf(ClosedChannelException.class, write.cause());
        final ByteBuf rest = bytes("rest");
        gate.completed(new ByteBuf[] {rest}, 1);
        assertEquals(0, rest.refCnt(), "the rest of a closed channel's batch is released, not written");
        assertNull(channel.readOutbound());
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
