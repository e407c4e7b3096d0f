package io.tickfan.client;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.Test;

class SseConnectionTest {
    private static final byte[] SETTINGS = {0, 0, 0, 4, 0, 0, 0, 0, 0};
    private static final byte[] PING_42 = {0, 0, 8, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 42};
    private static final String PING_ACK_42 = "000008060100000000000000000000002a";

    /**
     * The server's PINGs are read receipts: the ACK must leave when the PING is read, not when the
     * read loop ends (Netty's codec flushes its own ACK only then, after up to a megabyte more of
     * events). Here the read loop never ends: no channelReadComplete follows the read.
     */
    @Test
    void shouldAnswerAPingTheMomentItIsReadNotAtTheEndOfTheReadLoop() {
        final EmbeddedChannel ch = new EmbeddedChannel();
        SseConnection.addHttp2Handlers(ch.pipeline());
        drain(ch); // the client preface
        ch.pipeline().fireChannelRead(Unpooled.wrappedBuffer(SETTINGS, PING_42));
        final String out = drain(ch);
        assertTrue(out.contains(PING_ACK_42), "PING ACK flushed before the read loop ended: " + out);
        ch.finishAndReleaseAll();
    }

    private static String drain(EmbeddedChannel ch) {
        final StringBuilder hex = new StringBuilder();
        ByteBuf b;
        while ((b = ch.readOutbound()) != null) {
            hex.append(ByteBufUtil.hexDump(b));
            b.release();
        }
        return hex.toString();
    }
}
