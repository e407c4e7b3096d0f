package io.tickfan.server.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.SequencerInvoker;
import io.tickfan.server.http.EmbeddedHttp;
import io.tickfan.server.http.RequestDeadlineHandler;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A long poll on an HTTP/1.1 connection, the engine's sequencer stepped by hand and the
 * connection's clock frozen: the answer comes when a tick is there or the wait is over, and a
 * drain answers at once with the reconnect delay.
 */
class LongPollRequestTest {
    private final EmbeddedHttp http = new EmbeddedHttp(
                    c -> c.with(ServerConfig.POLL_RATE, 1).with(ServerConfig.POLL_BURST, 1))
            .connectionPipeline();
    private final SequencerInvoker sequencer = http.engine.invoker();

    @AfterEach
    void close() {
        http.close();
    }

    private void publish(String symbol, long bid) {
        final Tick tick = new Tick();
        tick.symbol = symbol;
        tick.fieldMask = Tick.BID;
        tick.bid = bid;
        assertEquals(IngestRing.OK, http.engine.publish(tick));
        step();
    }

    private void step() {
        sequencer.invoke();
        http.channel.runPendingTasks();
    }

    private void poll(String query) {
        http.send(EmbeddedHttp.get(http.context.pollPath + "?" + query, EmbeddedHttp.bearer()));
    }

    @Test
    void shouldAnswerAtOnceWithTheSnapshot() {
        publish("AAA", 101);
        poll("symbols=AAA&waitMs=5000");
        step();
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 200 OK\r\n"), answer);
        assertTrue(answer.contains("\r\n\r\n{\"position\":\"" + http.engine.epoch() + "-1\",\"ticks\":[{"), answer);
        assertTrue(answer.contains("\"sym\":\"AAA\""), answer);
        assertTrue(answer.endsWith("}]}"), answer);
        assertEquals(0, http.context.sessions.size(), "answered: out of the registry");
        assertTrue(http.channel.isActive(), "keep-alive");
        assertNotNull(
                http.channel.pipeline().get(RequestDeadlineHandler.NAME), "the next request has a deadline again");
    }

    @Test
    void shouldWaitForTheFirstTickThenAnswer() {
        poll("symbols=AAA&waitMs=5000");
        step();
        assertEquals("", http.written(), "nothing yet: the poll waits");
        assertEquals(1, http.context.sessions.size(), "a waiting poll is in the registry");
        publish("AAA", 101);
        final String answer = http.written();
        assertTrue(answer.contains("{\"position\":\"" + http.engine.epoch() + "-1\",\"ticks\":[{"), answer);
    }

    @Test
    void shouldAnswerEmptyWhenTheWaitIsOver() {
        poll("symbols=AAA&waitMs=1000");
        step();
        http.channel.advanceTimeBy(999, TimeUnit.MILLISECONDS);
        http.channel.runScheduledPendingTasks();
        assertEquals("", http.written());
        http.channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        http.channel.runScheduledPendingTasks();
        final String answer = http.written();
        assertTrue(answer.endsWith("{\"position\":\"" + http.engine.epoch() + "-0\",\"ticks\":[]}"), answer);
    }

    @Test
    void shouldAnswerAWaitingPollAtOnceOnDrainWithTheReconnectDelay() {
        poll("symbols=AAA&waitMs=5000");
        step();
        http.context.sessions.restartAll(10_000);
        http.channel.runPendingTasks();
        final String answer = http.written();
        assertTrue(answer.matches("(?s).*\\{\"position\":\"[^\"]+\",\"ticks\":\\[\\],\"retryMs\":\\d+}$"), answer);
        assertFalse(http.channel.isActive(), "the HTTP/1.1 connection closes on drain");
    }

    @Test
    void shouldLimitPollsPerClientWith429() {
        poll("symbols=AAA&waitMs=0");
        step();
        assertTrue(http.written().startsWith("HTTP/1.1 200"));
        poll("symbols=AAA&waitMs=0");
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 429"), answer);
        assertTrue(answer.contains("retry-after: "), answer);
    }

    @Test
    void shouldRefuseAPostWith405() {
        http.send(EmbeddedHttp.request("POST", http.context.pollPath + "?symbols=AAA", EmbeddedHttp.bearer()));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 405"));
    }

    @Test
    void shouldRefuseAMissingTokenWith401() {
        http.send(EmbeddedHttp.get(http.context.pollPath + "?symbols=AAA"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 401"));
        assertEquals(0, http.context.sessions.size());
    }

    @Test
    void shouldRefuseAWaitThatIsNotANumberWith400() {
        poll("symbols=AAA&waitMs=soon");
        final String answer = http.written();
        assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
        assertTrue(answer.contains("waitMs must be a number"), answer);
    }
}
