package io.tickfan.server.transport;

import io.netty.bootstrap.AbstractBootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.StandardSocketOptions;

/**
 * The Netty transport: native epoll (the default where available: mature, and what the numbers in
 * docs/benchmarks.md were measured on), io_uring when asked for and available, NIO otherwise.
 *
 * @param name what was chosen, for the startup log
 * @param ioHandlerFactory builds the event loops' I/O handlers
 * @param serverChannel the listening channel class
 */
public record Transport(
        String name, IoHandlerFactory ioHandlerFactory, Class<? extends ServerSocketChannel> serverChannel) {

    /**
     * @param preference {@code auto}, {@code epoll}, {@code io_uring} or {@code nio}
     * @throws IllegalArgumentException for an unknown name or a native transport that is not available
     */
    public static Transport choose(String preference) {
        switch (preference) {
            case "auto":
                return Epoll.isAvailable() ? epoll() : nio();
            case "epoll":
                if (!Epoll.isAvailable()) {
                    throw new IllegalArgumentException("epoll unavailable: " + Epoll.unavailabilityCause());
                }
                return epoll();
            case "io_uring":
                if (!IoUring.isAvailable()) {
                    throw new IllegalArgumentException("io_uring unavailable: " + IoUring.unavailabilityCause());
                }
                return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class);
            case "nio":
                return nio();
            default:
                throw new IllegalArgumentException("transport must be auto, epoll, io_uring or nio: " + preference);
        }
    }

    private static Transport epoll() {
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class);
    }

    private static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class);
    }

    /** A group of {@code threads} event loops (0: one per core) whose threads are named {@code prefix-N}. */
    public EventLoopGroup newGroup(int threads, String prefix) {
        final int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        return new MultiThreadIoEventLoopGroup(n, new DefaultThreadFactory(prefix, true), ioHandlerFactory);
    }

    /**
     * Makes the listening socket {@code bootstrap} binds share its port ({@code SO_REUSEPORT}): a
     * successor process bound the same way listens beside it, and the kernel spreads new
     * connections over every socket listening on the port until one closes. Every transport
     * supports it on Linux.
     */
    public void reusePort(AbstractBootstrap<?, ?> bootstrap) {
        switch (name) {
            case "epoll" -> bootstrap.option(EpollChannelOption.SO_REUSEPORT, true);
            case "io_uring" -> bootstrap.option(IoUringChannelOption.SO_REUSEPORT, true);
            default -> bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
        }
    }

    /**
     * Caps the bytes the kernel holds unsent per client connection ({@code TCP_NOTSENT_LOWAT}): past
     * it a write takes nothing more and the rest waits in Netty, where the slow-consumer check sees
     * it. Without the cap a stalled reader hides megabytes in the socket's autotuned send buffer.
     * NIO cannot set it: there the send buffer ({@code outbound.socketSendBufferBytes}) is the bound.
     */
    public void boundKernelUnsent(ServerBootstrap bootstrap, int bytes) {
        if (bytes <= 0) {
            return;
        }
        if (name.equals("epoll")) {
            bootstrap.childOption(EpollChannelOption.TCP_NOTSENT_LOWAT, (long) bytes);
        } else if (name.equals("io_uring")) {
            bootstrap.childOption(IoUringChannelOption.TCP_NOTSENT_LOWAT, (long) bytes);
        }
    }
}
