package io.tickfan.client;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A few event loops that many {@link TickfanClient}s share: a load generator runs ten thousand
 * connections on two threads. Native epoll where available, NIO otherwise.
 */
public final class ClientTransport implements AutoCloseable {
    private final String name;
    private final EventLoopGroup group;
    private final Class<? extends SocketChannel> channelClass;

    private ClientTransport(
            String name, int threads, IoHandlerFactory factory, Class<? extends SocketChannel> channelClass) {
        this.name = name;
        this.group =
                new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("tickfan-client", true), factory);
        this.channelClass = channelClass;
    }

    /**
     * @param threads event loops; 0 means one per core
     * @param preferNative use epoll when available
     */
    public static ClientTransport create(int threads, boolean preferNative) {
        final int n = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        if (preferNative && Epoll.isAvailable()) {
            return new ClientTransport("epoll", n, EpollIoHandler.newFactory(), EpollSocketChannel.class);
        }
        return new ClientTransport("nio", n, NioIoHandler.newFactory(), NioSocketChannel.class);
    }

    /** {@code epoll} or {@code nio}. */
    public String name() {
        return name;
    }

    public EventLoopGroup group() {
        return group;
    }

    public Class<? extends SocketChannel> channelClass() {
        return channelClass;
    }

    /**
     * A bootstrap for one connection on {@code loop} (one of {@link #group()}), bound to {@code localAddress} when it
     * is not null. On epoll the bind leaves the port to {@code connect} ({@code
     * IP_BIND_ADDRESS_NO_PORT}): the kernel then picks a port that is free for that source address
     * and that destination, and ports can repeat across source addresses. Without it a bind takes a
     * port of its own from the ephemeral range, and many connections from one host to one server
     * port make every {@code connect} search a crowded range (measured: {@code __inet_hash_connect}
     * was the largest single cost of a 15,000-client storm's client side).
     */
    public Bootstrap bootstrap(EventLoop loop, InetSocketAddress localAddress) {
        final Bootstrap b = new Bootstrap()
                .group(loop)
                .channel(channelClass)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
        if (localAddress != null && channelClass == EpollSocketChannel.class) {
            b.option(EpollChannelOption.IP_BIND_ADDRESS_NO_PORT, true);
        }
        return b;
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
