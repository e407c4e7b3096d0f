package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The first-request deadline ({@code http.requestTimeoutMs}) judges the client, not the server's
 * backlog: an h2c connection whose request arrived in time but waited unread while its event loop
 * was busy with another connection's read is served, not reset. Under load that busy read is
 * another connection's hundred streams being set up; here it is a read held up on purpose.
 */
class Http2RequestDeadlineIT {
    private static final long DEADLINE_MS = 400;
    private static final long BUSY_MS = 3 * DEADLINE_MS;

    @Test
    void shouldServeAStreamWhoseRequestWaitedUnreadBehindABusyLoop() throws Exception {
        try (TickfanServer server = TickfanServerExtension.start(
                        c -> c.with(ServerConfig.IO_THREADS, 1).with(ServerConfig.REQUEST_TIMEOUT_MS, DEADLINE_MS));
                H2TestClient busy = new H2TestClient(server.port())) {
            final String token = TestTokens.valid();
            awaitStatus(busy.get("/sse?symbols=DLBUSY", token, true), 200);
            final List<Channel> connections = new ArrayList<>(server.context().connections);
            assertEquals(1, connections.size());
            final Channel busyConnection = connections.get(0);
            busyConnection
                    .eventLoop()
                    .submit(() -> busyConnection.pipeline().addFirst(new OneSlowRead(BUSY_MS)))
                    .sync();

            try (H2TestClient late = new H2TestClient(server.port())) {
                awaitConnections(server, 2);
                // The busy connection's next read holds the one loop past the late one's deadline;
                // the late request is sent while it does, and waits unread in the kernel.
                busy.get("/sse?symbols=DLBUSY", token, true);
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS / 4));
                final H2TestClient.Stream stream = late.get("/sse?symbols=DLLATE", token, true);
                awaitStatus(stream, 200);
                assertTrue(late.isOpen(), "the late connection was served, not reset");
            }
        }
    }

    private static void awaitConnections(TickfanServer server, int n) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (server.context().connections.size() < n) {
            assertTrue(System.nanoTime() < deadline, "connection accepted");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static void awaitStatus(H2TestClient.Stream stream, int status) {
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (stream.status == 0 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        assertEquals(status, stream.status);
    }

    /** Blocks the loop for the first read it sees (once), then passes it on and leaves. */
    private static final class OneSlowRead extends ChannelInboundHandlerAdapter {
        private final long busyMs;

        OneSlowRead(long busyMs) {
            this.busyMs = busyMs;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(busyMs));
            ctx.pipeline().remove(this);
            ctx.fireChannelRead(msg);
        }
    }
}
