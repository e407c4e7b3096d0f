package io.tickfan.client;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
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

    @Override
    public void close() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
