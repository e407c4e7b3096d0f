package io.tickfan.server.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.tickfan.protocol.Tick;
import io.tickfan.server.fanout.EncodedTick;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The direct gathering write against real epoll sockets: a batch bigger than the socket buffers
 * is partly written by the kernel, the rest queued through the pipeline, and the reader still gets
 * every byte of every frame in order, including a following batch that must go through the
 * pipeline because Netty holds bytes.
 */
class BatchWriterIT {
    private static final byte[] SYMBOL = "AAPL".getBytes(StandardCharsets.US_ASCII);
    private static final int FRAME_BYTES = 200;

    private MultiThreadIoEventLoopGroup group;
    private Channel server;
    private Channel client;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private final CompletableFuture<Channel> accepted = new CompletableFuture<>();

    @BeforeEach
    void connect() throws Exception {
        assertTrue(Epoll.isAvailable(), "the direct write path exists only on epoll (Linux)");
        group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        server = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        accepted.complete(ch);
                    }
                })
                .bind("127.0.0.1", 0)
                .sync()
                .channel();
        client = new Bootstrap()
                .group(group)
                .channel(EpollSocketChannel.class)
                .option(ChannelOption.SO_RCVBUF, 4096)
                .option(ChannelOption.AUTO_READ, false)
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        final ByteBuf buf = (ByteBuf) msg;
                        final byte[] bytes = new byte[buf.readableBytes()];
                        buf.readBytes(bytes);
                        synchronized (received) {
                            received.writeBytes(bytes);
                            received.notifyAll();
                        }
                        buf.release();
                    }
                })
                .connect(server.localAddress())
                .sync()
                .channel();
    }

    @AfterEach
    void close() throws Exception {
        if (group != null) {
            client.close().sync();
            server.close().sync();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void shouldWriteEveryFrameInOrderWhenTheKernelTakesOnlyPartOfTheBatch() throws Exception {
        final Channel child = accepted.get(5, TimeUnit.SECONDS);
        final BatchWriter.Sink socket = BatchWriter.socketSink(child);
        assertNotNull(socket, "a plain epoll socket gets a direct sink");
        final EncodedTick[] first = ticks(0, 2_000);
        final EncodedTick[] second = ticks(2_000, 10);
        final BatchWriter writer = new BatchWriter();
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (EncodedTick t : first) {
            t.webSocketFrame().getBytes(t.webSocketFrame().readerIndex(), expected, FRAME_BYTES);
        }
        // A trailer after the first batch (a read receipt's ping): it must follow the ticks the
        // kernel did not take, not overtake them.
        final ByteBuf trailer = trailer(0x55);
        expected.writeBytes(ByteBufUtil.getBytes(trailer));
        for (EncodedTick t : second) {
            t.webSocketFrame().getBytes(t.webSocketFrame().readerIndex(), expected, FRAME_BYTES);
        }

        final boolean[] results = new boolean[2];
        final long[] pendingAfterFirst = new long[1];
        child.eventLoop()
                .submit(() -> {
                    results[0] =
                            writer.write(child, child, socket, first, first.length, BatchWriter.WEBSOCKET, trailer);
                    pendingAfterFirst[0] = child.unsafe().outboundBuffer().totalPendingWriteBytes();
                    results[1] = writer.write(child, child, socket, second, second.length, BatchWriter.WEBSOCKET);
                    if (!results[1]) {
                        for (EncodedTick t : second) {
                            child.write(t.webSocketFrame().retainedDuplicate(), child.voidPromise());
                        }
                        child.flush();
                    }
                })
                .sync();
        assertTrue(results[0], "the first batch goes directly");
        assertEquals(1, writer.directWrites(), "one system call for the whole batch");
        assertTrue(pendingAfterFirst[0] > 0, "the kernel could not take 400 KB at once: the rest is queued");
        assertFalse(results[1], "with bytes queued in Netty the next batch must not overtake them");

        client.config().setAutoRead(true);
        assertReceived(expected.toByteArray());
        // The pipeline has drained: a direct write is possible again.
        final boolean[] again = new boolean[1];
        final EncodedTick[] third = ticks(3_000, 1);
        child.eventLoop()
                .submit(() -> again[0] = writer.write(child, child, socket, third, 1, BatchWriter.WEBSOCKET))
                .sync();
        assertTrue(again[0]);
        child.eventLoop().submit(writer::release).sync();
        assertEquals(0, trailer.refCnt(), "the queued trailer was released once written");
        release(first);
        release(second);
        release(third);
    }

    @Test
    void shouldWriteATrailerInTheSameSystemCallAsTheTicksAndReleaseIt() throws Exception {
        final Channel child = accepted.get(5, TimeUnit.SECONDS);
        final BatchWriter.Sink socket = BatchWriter.socketSink(child);
        final EncodedTick[] batch = ticks(0, 3);
        final ByteBuf trailer = trailer(0x66);
        final ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (EncodedTick t : batch) {
            t.webSocketFrame().getBytes(t.webSocketFrame().readerIndex(), expected, FRAME_BYTES);
        }
        expected.writeBytes(ByteBufUtil.getBytes(trailer));
        final BatchWriter writer = new BatchWriter();
        final long[] pending = new long[1];
        child.eventLoop()
                .submit(() -> {
                    assertTrue(writer.write(child, child, socket, batch, 3, BatchWriter.WEBSOCKET, trailer));
                    pending[0] = child.unsafe().outboundBuffer().totalPendingWriteBytes();
                })
                .sync();
        assertEquals(1, writer.directWrites(), "ticks and trailer in one system call");
        assertEquals(0, pending[0], "nothing left for the pipeline");
        assertEquals(0, trailer.refCnt(), "the trailer was released once written");
        client.config().setAutoRead(true);
        assertReceived(expected.toByteArray());
        child.eventLoop().submit(writer::release).sync();
        release(batch);
    }

    /** Waits up to 10 s for the client to have read {@code expected.length} bytes, and compares them. */
    private void assertReceived(byte[] expected) throws InterruptedException {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (received) {
            long leftNs;
            while (received.size() < expected.length && (leftNs = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(received, leftNs);
            }
            assertArrayEquals(expected, received.toByteArray());
        }
    }

    /** Ten bytes, like a read receipt's ping frame. */
    private static ByteBuf trailer(int fill) {
        final ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(10);
        for (int i = 0; i < 10; i++) {
            b.writeByte(fill + i);
        }
        return b;
    }

    @Test
    void shouldRefuseADirectWriteOnAClosedChannel() throws Exception {
        final Channel child = accepted.get(5, TimeUnit.SECONDS);
        final BatchWriter.Sink socket = BatchWriter.socketSink(child);
        child.close().sync();
        final EncodedTick[] batch = ticks(0, 3);
        final BatchWriter writer = new BatchWriter();
        final boolean[] result = new boolean[1];
        child.eventLoop()
                .submit(() -> result[0] = writer.write(child, child, socket, batch, 3, BatchWriter.WEBSOCKET))
                .sync();
        assertFalse(result[0], "a closed channel's file descriptor may already belong to another connection");
        assertEquals(0, writer.directWrites());
        release(batch);
    }

    /** Ticks whose frames are {@value #FRAME_BYTES} distinct bytes each (content, not protocol). */
    private static EncodedTick[] ticks(int from, int count) {
        final EncodedTick[] ticks = new EncodedTick[count];
        for (int i = 0; i < count; i++) {
            final ByteBuf frame = PooledByteBufAllocator.DEFAULT.directBuffer(FRAME_BYTES + 16);
            frame.writerIndex(16).readerIndex(16);
            for (int b = 0; b < FRAME_BYTES; b++) {
                frame.writeByte((from + i) * 31 + b);
            }
            final Tick t = new Tick();
            t.seq = from + i + 1;
            ticks[i] = EncodedTick.of(0, SYMBOL, t, from + i, frame, PooledByteBufAllocator.DEFAULT.directBuffer(8));
        }
        return ticks;
    }

    private static void release(EncodedTick[] ticks) {
        for (EncodedTick t : ticks) {
            t.release();
        }
    }
}
