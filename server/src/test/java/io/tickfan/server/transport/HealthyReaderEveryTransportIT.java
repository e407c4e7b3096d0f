package io.tickfan.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.session.SessionRegistry;
import io.tickfan.server.testing.TestClient;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import io.tickfan.server.testing.Ticks;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A client that reads everything is never conflated, on every transport, while ticks flow for
 * longer than {@code outbound.lagConflateMs}. On io_uring a write completes after the flush that
 * submitted it, so a connection with ticks in every batch always has bytes in flight when its batch
 * ends: that alone must not count as a backlog the peer has not taken.
 */
class HealthyReaderEveryTransportIT {
    private static final int TICKS_PER_SECOND = 200;
    /** Three times the default lag allowance (1 s). */
    private static final int TICKS = 600;

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void shouldDeliverEveryTickUnconflatedToAReaderThatKeepsUp(String transport) throws Exception {
        try (TickfanServer server = TickfanServerExtension.start(c -> c.with(ServerConfig.TRANSPORT, transport));
                TestClient client =
                        TestClient.connect(URI.create("ws://127.0.0.1:" + server.port() + "/ws"), TestTokens.valid())) {
            client.awaitAck(client.subscribe("FLOW"));
            final long startNs = System.nanoTime();
            for (int n = 1; n <= TICKS; n++) {
                Ticks.publishWaiting(server, Ticks.numbered("FLOW", n));
                final long sleepNs = startNs + n * (1_000_000_000L / TICKS_PER_SECOND) - System.nanoTime();
                if (sleepNs > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleepNs);
                }
            }
            assertEquals(TICKS, client.awaitSeq("FLOW", TICKS).seq);
            final long conflatedAway = server.context().sessions.statsByTransport().stream()
                    .mapToLong(SessionRegistry.TransportStats::ticksConflatedAway)
                    .sum();
            assertTrue(
                    client.ticks("FLOW").stream().noneMatch(Tick::isConflated),
                    () -> transport + ": a reader that kept up was conflated at seq "
                            + client.ticks("FLOW").stream()
                                    .filter(Tick::isConflated)
                                    .map(t -> t.seq)
                                    .toList()
                            + " (" + conflatedAway + " ticks conflated away)");
            assertEquals(0, conflatedAway, transport + ": ticks conflated away");
            assertEquals(
                    TICKS,
                    client.awaitTicks("FLOW", TICKS, Duration.ofSeconds(5)).size());
        }
    }
}
