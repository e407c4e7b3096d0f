package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.tickfan.server.metrics.Counters;
import java.io.IOException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

/** The last handler: a client's error closes only its connection, and the log is rate-limited per kind. */
class ClientErrorLogTest {
    private final Counters counters = new Counters(1);
    private final ClientErrorLog log = new ClientErrorLog(2, counters);

    private void fail(Throwable cause) {
        final EmbeddedChannel ch = new EmbeddedChannel(log);
        ch.pipeline().fireExceptionCaught(cause);
        assertFalse(ch.isActive(), "the connection that failed is closed");
        ch.checkException(); // taken here: Netty's tail never logs it with its stack trace
        ch.finishAndReleaseAll();
    }

    private long notLogged() {
        return counters.get(Counters.Counter.CLIENT_ERRORS_NOT_LOGGED);
    }

    @Test
    void shouldLogTheFirstLinesOfAKindAndCountTheRest() {
        fail(new IOException("connection reset"));
        fail(new IOException("connection reset"));
        assertEquals(0, notLogged());
        fail(new IOException("connection reset"));
        fail(new IOException("connection reset"));
        assertEquals(2, notLogged());
    }

    @Test
    void shouldJudgeEachKindApartAndLookThroughDecoderExceptions() {
        fail(new IOException("reset"));
        fail(new IOException("reset"));
        fail(new SSLHandshakeException("no shared cipher"));
        assertEquals(0, notLogged(), "another kind has its own lines");
        fail(new DecoderException(new SSLHandshakeException("bad record")));
        assertEquals(0, notLogged(), "a wrapped handshake failure is the same kind, its second line");
        fail(new DecoderException(new SSLHandshakeException("bad record")));
        assertEquals(1, notLogged());
    }
}
