package io.tickfan.server.admission;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;

/**
 * First handler of every connection: asks {@link AdmissionControl} when the connection becomes
 * active. A refused connection is not closed at once: it is marked, and the router answers its
 * first request with 429 or 503 and {@code Retry-After} (a client told when to come back does
 * not hammer), then closes it. An admitted one releases its slot when its close future completes.
 * Either way the handler then leaves the pipeline: an open connection holds no context, handler
 * or attribute for admission.
 */
@ChannelHandler.Sharable
public final class AdmissionHandler extends ChannelInboundHandlerAdapter {
    /** Set on a refused connection. */
    public static final AttributeKey<AdmissionControl.Rejection> REJECTION = AttributeKey.valueOf("tickfan.rejection");

    private final AdmissionControl control;
    private final ChannelGroup connections;
    /** One for all connections. */
    private final ChannelFutureListener release;

    public AdmissionHandler(AdmissionControl control, ChannelGroup connections) {
        this.control = control;
        this.connections = connections;
        this.release = f -> control.release();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        final Channel ch = ctx.channel();
        final AdmissionControl.Rejection rejection =
                control.admit(ch.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null);
        if (rejection == null) {
            ch.closeFuture().addListener(release);
        } else {
            ch.attr(REJECTION).set(rejection);
        }
        connections.add(ch);
        ctx.fireChannelActive();
        ctx.pipeline().remove(this);
    }

    /** The rejection of {@code ch} or of the connection it is a stream of; null if admitted. */
    public static AdmissionControl.Rejection rejectionOf(Channel ch) {
        final Channel connection = ch instanceof Http2StreamChannel stream ? stream.parent() : ch;
        // hasAttr first: attr() would add an empty attribute to every admitted connection.
        return connection.hasAttr(REJECTION) ? connection.attr(REJECTION).get() : null;
    }
}
