package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelPipeline;
import io.tickfan.protocol.Tick;
import io.tickfan.server.admission.AdmissionControl;
import io.tickfan.server.fanout.EngineSettings;
import io.tickfan.server.fanout.IngestRing;
import io.tickfan.server.fanout.SequencerInvoker;
import io.tickfan.server.http.EmbeddedHttp;
import io.tickfan.server.testing.TestTokens;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Opening an SSE stream on an HTTP/1.1 connection: the token and the symbols are checked before
 * the 200, then the router gives way to the stream's handler and the HTTP codec leaves the
 * pipeline. The engine's sequencer is stepped by hand, so snapshots and resumes arrive in order.
 */
class SseUpgraderTest {
    private EmbeddedHttp http = new EmbeddedHttp(c -> c).connectionPipeline();
    private SequencerInvoker sequencer = http.engine.invoker();

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
        sequencer.invoke();
        http.channel.runPendingTasks();
    }

    /** Lets the sequencer answer what was queued and the loop deliver it; returns what was written. */
    private String step() {
        sequencer.invoke();
        http.channel.runPendingTasks();
        return http.written();
    }

    private String refused(String request) {
        http.send(request);
        final String answer = http.written();
        assertFalse(http.channel.isActive());
        assertEquals(0, http.context.sessions.size());
        assertNull(http.channel.pipeline().get("sse"));
        return answer;
    }

    @Test
    void shouldOpenTheStreamAndSendTheSnapshot() {
        publish("AAA", 101);
        http.send(EmbeddedHttp.get(http.context.ssePath + "?symbols=AAA", EmbeddedHttp.bearer()));
        final String head = http.written();
        assertTrue(head.startsWith("HTTP/1.1 200 OK\r\n"), head);
        assertTrue(head.contains("content-type: text/event-stream; charset=utf-8\r\n"), head);
        assertTrue(head.contains("connection: close\r\n"), head);
        assertTrue(head.endsWith("\r\n\r\nretry: 2000\n\n"), head);
        final ChannelPipeline p = http.channel.pipeline();
        assertNotNull(p.get("sse"));
        assertNull(p.get("router"));
        assertNull(p.get("http"), "the body is raw event bytes from here on");
        assertNull(p.get("aggregator"));
        assertEquals(1, http.context.sessions.size());
        final String snapshot = step();
        assertTrue(snapshot.startsWith("id: " + http.engine.epoch() + "-1\nevent: tick\ndata: {"), snapshot);
        assertTrue(snapshot.contains("\"sym\":\"AAA\""), snapshot);
        http.channel.close();
        assertEquals(0, http.context.sessions.size());
    }

    @Test
    void shouldReplayFromTheLastEventId() {
        publish("AAA", 101);
        publish("AAA", 102);
        publish("AAA", 103);
        http.send(EmbeddedHttp.get(
                http.context.ssePath + "?symbols=AAA",
                EmbeddedHttp.bearer(),
                "Last-Event-ID: " + http.engine.epoch() + "-1"));
        assertTrue(http.written().startsWith("HTTP/1.1 200"));
        final String replay = step();
        assertTrue(replay.startsWith("id: " + http.engine.epoch() + "-2\n"), replay);
        assertTrue(replay.contains("id: " + http.engine.epoch() + "-3\n"), replay);
        assertFalse(replay.contains("-1\n"), "nothing the client had");
    }

    @Test
    void shouldRefuseAMissingTokenWith401() {
        assertTrue(
                refused(EmbeddedHttp.get(http.context.ssePath + "?symbols=AAA")).startsWith("HTTP/1.1 401"));
    }

    @Test
    void shouldRefuseAPostWith405() {
        assertTrue(refused(EmbeddedHttp.request("POST", http.context.ssePath + "?symbols=AAA", EmbeddedHttp.bearer()))
                .startsWith("HTTP/1.1 405"));
    }

    @Test
    void shouldRefuseMissingOrInvalidSymbolsWith400() {
        assertTrue(refused(EmbeddedHttp.get(http.context.ssePath, EmbeddedHttp.bearer()))
                .startsWith("HTTP/1.1 400"));
    }

    @Test
    void shouldRefuseASymbolTheTokenDoesNotAllowWith403() {
        final String answer = refused(EmbeddedHttp.get(
                http.context.ssePath + "?symbols=AAA", "Authorization: Bearer " + TestTokens.entitledTo("BBB")));
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
    }

    @Test
    void shouldRefuseWith503WhenTheEngineCommandQueueIsFull() {
        http.close();
        http = new EmbeddedHttp(
                        c -> c,
                        new EngineSettings(16, 1 << 12, 64, 64, 4, 60_000, 1, 1, 16),
                        new AdmissionControl(100, 100, 100, 100, 100))
                .connectionPipeline();
        sequencer = http.engine.invoker();
        http.engine.runOnSequencer(() -> {}); // one command queued: the queue is full
        final String answer = refused(EmbeddedHttp.get(http.context.ssePath + "?symbols=AAA", EmbeddedHttp.bearer()));
        assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        assertTrue(answer.contains("retry-after: 1\r\n"), answer);
        assertTrue(answer.contains("\"error\":\"overloaded\""), answer);
    }
}
