package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import io.tickfan.server.config.ServerConfig;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The slowloris defence: a connection has until the deadline to complete its first request. */
class RequestDeadlineHandlerTest {
    private static final long DEADLINE_MS = 2_000;

    private final EmbeddedHttp http = new EmbeddedHttp(c -> c.with(ServerConfig.REQUEST_TIMEOUT_MS, DEADLINE_MS));

    @AfterEach
    void close() {
        http.close();
    }

    private void advance(long ms) {
        http.channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
        http.channel.runScheduledPendingTasks();
    }

    @Test
    void shouldCloseAConnectionThatSendsNothingAfterASecondDeadline() {
        final EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        ch.pipeline().addLast(new RequestDeadlineHandler(DEADLINE_MS));
        ch.advanceTimeBy(DEADLINE_MS, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isActive(), "its request may wait unread behind a busy loop");
        ch.advanceTimeBy(DEADLINE_MS - 1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isActive());
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isActive());
        ch.finishAndReleaseAll();
    }

    @Test
    void shouldCloseAConnectionTricklingItsHeadersPastTheDeadline() {
        http.connectionPipeline();
        http.send("GET /health HTTP/1.1\r\n");
        for (int i = 0; i < 3; i++) {
            advance(DEADLINE_MS / 4);
            http.send("X-Slow-" + i + ": yes\r\n");
            assertTrue(http.channel.isActive(), "each byte is in time, the request is not");
        }
        advance(DEADLINE_MS / 4);
        http.send("X-Slow-3: yes\r\n");
        assertFalse(http.channel.isActive(), "the first read past the deadline that leaves it incomplete");
        assertTrue(http.written().isEmpty(), "closed without an answer");
    }

    @Test
    void shouldServeARequestReadOnlyAfterTheDeadline() {
        http.connectionPipeline();
        advance(DEADLINE_MS);
        assertTrue(http.channel.isActive());
        http.send(EmbeddedHttp.get("/health"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 200"), "the client was in time; the server read late");
        assertNull(http.channel.pipeline().get(RequestDeadlineHandler.NAME));
        advance(DEADLINE_MS * 2);
        assertTrue(http.channel.isActive());
    }

    @Test
    void shouldStopTheClockOnceARequestIsComplete() {
        http.connectionPipeline();
        http.send(EmbeddedHttp.get("/health"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 200"));
        assertNull(http.channel.pipeline().get(RequestDeadlineHandler.NAME), "the router removed it");
        advance(DEADLINE_MS * 2);
        assertTrue(http.channel.isActive(), "an idle keep-alive connection is not a slowloris");
    }

    @Test
    void shouldCancelItsTimerWhenRemoved() {
        final EmbeddedChannel ch = new EmbeddedChannel();
        ch.freezeTime();
        final RequestDeadlineHandler deadline = new RequestDeadlineHandler(DEADLINE_MS);
        ch.pipeline().addLast(RequestDeadlineHandler.NAME, deadline);
        ch.pipeline().remove(deadline);
        ch.advanceTimeBy(DEADLINE_MS * 2, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isActive());
        ch.finishAndReleaseAll();
    }
}
