package io.tickfan.server.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http2.Http2Exception;
import io.tickfan.server.metrics.Counters;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every connection: an exception no handler before it took (a failed TLS
 * handshake, a reset, bytes that are no protocol at all) is the client's doing. It closes that
 * connection and logs one line, no stack trace, at most {@code log.clientErrorsPerMinute} lines a
 * minute per kind (the exception's class); the rest are counted ({@link
 * Counters.Counter#CLIENT_ERRORS_NOT_LOGGED}) and the next line of that kind says how many. Without
 * it, Netty's pipeline tail logs each one with a 30 to 40 line stack trace: anyone who can reach
 * the port could fill the disk.
 */
@ChannelHandler.Sharable
public final class ClientErrorLog extends ChannelInboundHandlerAdapter {
    public static final String NAME = "client-errors";
    private static final Logger LOG = LoggerFactory.getLogger(ClientErrorLog.class);
    private static final long WINDOW_NS = TimeUnit.MINUTES.toNanos(1);

    private final int linesPerMinute;
    private final Counters counters;
    private final ConcurrentHashMap<Class<?>, Window> windows = new ConcurrentHashMap<>();

    public ClientErrorLog(int linesPerMinute, Counters counters) {
        this.linesPerMinute = linesPerMinute;
        this.counters = counters;
    }

    /** One kind's lines in the current minute, and what was not logged. */
    private static final class Window {
        long startNs;
        int lines;
        final AtomicLong suppressed = new AtomicLong();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        closeAndLog(ctx, cause);
    }

    /**
     * For handlers past this one (an upgraded WebSocket no longer has it in its pipeline, an HTTP/2
     * stream never had it): closes {@code ctx}'s connection, quietly when the peer failed (a reset,
     * a TLS failure, an HTTP/2 protocol error: how clients leave or misbehave, and the connection's
     * own log, where there is one, has seen it), else with one line within the rate limit, so that a
     * defect never closes connections without a word.
     */
    public void close(ChannelHandlerContext ctx, Throwable cause) {
        final Throwable root = rootOf(cause);
        if (root instanceof IOException || root instanceof Http2Exception) {
            ctx.close();
        } else {
            closeAndLog(ctx, cause);
        }
    }

    private static Throwable rootOf(Throwable cause) {
        return cause instanceof DecoderException && cause.getCause() != null ? cause.getCause() : cause;
    }

    private void closeAndLog(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
        final Throwable root = rootOf(cause);
        // Bounded: exception classes are the code's, not the client's.
        final Window w = windows.computeIfAbsent(root.getClass(), k -> new Window());
        final long now = System.nanoTime();
        final long suppressed;
        synchronized (w) {
            if (now - w.startNs >= WINDOW_NS || w.lines == 0 && w.startNs == 0) {
                w.startNs = now;
                w.lines = 0;
            }
            if (w.lines >= linesPerMinute) {
                w.suppressed.incrementAndGet();
                counters.addShared(Counters.Counter.CLIENT_ERRORS_NOT_LOGGED, 1);
                return;
            }
            w.lines++;
            suppressed = w.suppressed.getAndSet(0);
        }
        LOG.info(
                "client connection {} closed: {}: {}{}",
                ctx.channel().remoteAddress(),
                root.getClass().getSimpleName(),
                oneLine(root.getMessage()),
                suppressed == 0 ? "" : " (" + suppressed + " more of this kind not logged)");
    }

    private static String oneLine(String message) {
        if (message == null) {
            return "";
        }
        final String flat = message.replace('\n', ' ').replace('\r', ' ');
        return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
    }
}
