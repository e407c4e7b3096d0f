package io.tickfan.server.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;

/** Ways to end a client connection. */
public final class Connections {
    private Connections() {}

    /**
     * Closes {@code channel} with a TCP reset ({@code SO_LINGER 0}) if it is still open: for a peer
     * that did not take the last bytes in time (a slow consumer's close frame stuck behind its
     * backlog). A plain close would leave the kernel holding the unsent bytes, and retrying them,
     * for a reader that may never read again. The peer reads what its kernel already has, then
     * gets the reset. On an HTTP/2 stream the option does not apply and the close resets the stream.
     */
    public static void reset(Channel channel) {
        if (channel.isOpen()) {
            channel.config().setOption(ChannelOption.SO_LINGER, 0);
            channel.close();
        }
    }
}
