package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.ClientMessageEncoder;
import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A standalone restart starts a new numbering: every resume after it is a {@code reset}, for every
 * symbol of the subscribe, including a symbol the restarted server has no value for yet (it gets
 * an empty reset snapshot, seq 0; its first tick then comes as seq 1, in order). Before, such a
 * symbol sent nothing and its seq 1 looked like the continuation of the old seq 1.
 */
class RestartResumeIT {
    private static URI wsUri(TickfanServer s) {
        return URI.create("ws://127.0.0.1:" + s.port() + "/ws");
    }

    @Test
    void shouldResetEverySymbolOfAWebSocketResumeAfterARestart() throws Exception {
        final String epoch;
        try (TickfanServer before = TickfanServerExtension.start(c -> c)) {
            TestTicks.publish(before, "RS.A", 3);
            TestTicks.publish(before, "RS.B", 2);
            epoch = before.engine().epoch();
        }
        try (TickfanServer after = TickfanServerExtension.start(c -> c);
                TestClient client = TestClient.connect(wsUri(after), TestTokens.valid())) {
            assertNotEquals(epoch, after.engine().epoch());
            TestTicks.publish(after, "RS.A", 1); // a value for A; none yet for B
            final Map<String, Long> since = new HashMap<>();
            since.put("RS.A", 3L);
            since.put("RS.B", 2L);
            client.send(ClientMessageEncoder.subscribe("r", List.of("RS.A", "RS.B"), since, epoch, 0));
            client.awaitAck("r");
            final Tick a = client.awaitTicks("RS.A", 1).get(0);
            assertTrue(a.isReset() && a.isSnapshot(), "A: " + client.describeTicks("RS.A"));
            assertEquals(1, a.seq);
            final Tick b = client.awaitTicks("RS.B", 1).get(0);
            assertTrue(
                    b.isReset() && b.isSnapshot(),
                    "B has no value yet but must reset: " + client.describeTicks("RS.B"));
            assertEquals(0, b.seq);
            assertEquals(0, b.fieldMask, "an empty reset carries no fields");
            TestTicks.publish(after, "RS.B", 1);
            final Tick next = client.awaitTicks("RS.B", 2).get(1);
            assertEquals(1, next.seq);
            assertFalse(next.isReset());
        }
    }

    @Test
    void shouldResetEverySymbolOfAnSseResumeAfterARestart() throws Exception {
        final String lastEventId;
        try (TickfanServer before = TickfanServerExtension.start(c -> c);
                H2TestClient client = new H2TestClient(before.port())) {
            TestTicks.publish(before, "RS.C", 3);
            TestTicks.publish(before, "RS.D", 2);
            final H2TestClient.Stream s = client.get("/sse?symbols=RS.C,RS.D", TestTokens.valid(), true);
            assertTrue(s.nextTick(TestTicks.WAIT_MS) != null);
            assertTrue(s.nextTick(TestTicks.WAIT_MS) != null);
            TestTicks.await(() -> s.parser.lastEventId() != null);
            lastEventId = s.parser.lastEventId();
        }
        try (TickfanServer after = TickfanServerExtension.start(c -> c);
                H2TestClient client = new H2TestClient(after.port())) {
            TestTicks.publish(after, "RS.C", 1);
            final H2TestClient.Stream s = client.get("/sse?symbols=RS.C,RS.D", TestTokens.valid(), true, lastEventId);
            final Map<String, Tick> first = new HashMap<>();
            for (int i = 0; i < 2; i++) {
                final Tick t = s.nextTick(TestTicks.WAIT_MS).tick();
                first.put(t.symbol, t);
            }
            assertTrue(first.get("RS.C").isReset(), "C: " + first);
            assertEquals(1, first.get("RS.C").seq);
            assertTrue(first.get("RS.D") != null && first.get("RS.D").isReset(), "D has no value yet: " + first);
            assertEquals(0, first.get("RS.D").seq);
        }
    }
}
