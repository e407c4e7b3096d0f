package io.tickfan.bench.support;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;

/**
 * A channel whose writes go through the real pipeline and outbound buffer and are then released
 * instead of reaching a socket, so a benchmark measures everything up to the write system call and
 * not the call itself. Counts what it was handed.
 */
public final class DiscardingChannel extends EmbeddedChannel {
    private long messages;
    private long bytes;

    public DiscardingChannel() {
        super();
    }

    @Override
    protected void handleOutboundMessage(Object msg) {
        messages++;
        if (msg instanceof io.netty.buffer.ByteBuf buf) {
            bytes += buf.readableBytes();
        }
        ReferenceCountUtil.release(msg);
    }

    public long messages() {
        return messages;
    }

    public long bytes() {
        return bytes;
    }
}
