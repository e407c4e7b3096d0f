package io.tickfan.server.transport;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

/** Counts the flushes that pass it on their way to the channel (transport tests). */
final class FlushCounter extends ChannelDuplexHandler {
    int count;

    @Override
    public void flush(ChannelHandlerContext ctx) {
        count++;
        ctx.flush();
    }
}
