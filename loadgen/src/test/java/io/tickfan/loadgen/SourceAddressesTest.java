package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceAddressesTest {
    private static final List<URI> LOOPBACK = List.of(URI.create("ws://127.0.0.1:8080/ws"));

    @Test
    void shouldLeaveASmallFleetToTheKernel() {
        final SourceAddresses s = SourceAddresses.forTargets(LOOPBACK, 2000, 2000);
        assertEquals(0, s.count());
        assertNull(s.of(0));
    }

    @Test
    void shouldSpreadALargeLoopbackFleetInTurn() {
        final SourceAddresses s = SourceAddresses.forTargets(LOOPBACK, 15_000, 2000);
        assertEquals(8, s.count());
        assertEquals(new InetSocketAddress("127.0.0.1", 0), s.of(0));
        assertEquals(new InetSocketAddress("127.0.0.8", 0), s.of(7));
        assertEquals(new InetSocketAddress("127.0.0.1", 0), s.of(8));
        assertEquals(new InetSocketAddress("127.0.0.4", 0), s.of(14_995));
    }

    @Test
    void shouldSpreadWhenEveryTargetIsLoopback() {
        final List<URI> pods = List.of(URI.create("ws://localhost:8081/ws"), URI.create("ws://127.0.0.1:8082/ws"));
        assertEquals(3, SourceAddresses.forTargets(pods, 5000, 2000).count());
    }

    @Test
    void shouldNotBindLoopbackSourcesForAnotherTarget() {
        final List<URI> mixed = List.of(URI.create("ws://127.0.0.1:8081/ws"), URI.create("ws://192.0.2.7:8082/ws"));
        assertEquals(0, SourceAddresses.forTargets(mixed, 15_000, 2000).count());
    }

    @Test
    void shouldStopAtTheLastAddressOfTheBlock() {
        assertEquals(254, SourceAddresses.forTargets(LOOPBACK, 1_000_000, 10).count());
    }
}
