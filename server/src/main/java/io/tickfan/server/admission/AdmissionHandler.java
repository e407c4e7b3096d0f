package io.tickfan.server.admission;

import io.netty.channel.Channel;
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
 * not hammer), then closes it. Stays in the pipeline only to release the slot on close.
 */
@ChannelHandler.Sharable
public final class AdmissionHandler extends ChannelInboundHandlerAdapter {
    /** Set on a refused connection. */
    public static final AttributeKey<AdmissionControl.Rejection> REJECTION = AttributeKey.valueOf("tickfan.rejection");

    private static final AttributeKey<Boolean> ADMITTED = AttributeKey.valueOf("tickfan.admitted");

    private final AdmissionControl control;
    private final ChannelGroup connections;

    public AdmissionHandler(AdmissionControl control, ChannelGroup connections) {
        this.control = control;
        this.connections = connections;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        final Channel ch = ctx.channel();
        connections.add(ch);
        final AdmissionControl.Rejection rejection =
                control.admit(ch.remoteAddress() instanceof InetSocketAddress inet ? inet.getAddress() : null);
        if (rejection == null) {
            ch.attr(ADMITTED).set(Boolean.TRUE);
        } else {
            ch.attr(REJECTION).set(rejection);
        }
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (ctx.channel().attr(ADMITTED).getAndSet(null) != null) {
            control.release();
        }
        ctx.fireChannelInactive();
    }

    /** The rejection of {@code ch} or of the connection it is a stream of; null if admitted. */
    public static AdmissionControl.Rejection rejectionOf(Channel ch) {
        final Channel connection = ch instanceof Http2StreamChannel stream ? stream.parent() : ch;
        // hasAttr first: attr() would add an empty attribute to every admitted connection.
        return connection.hasAttr(REJECTION) ? connection.attr(REJECTION).get() : null;
    }
}
