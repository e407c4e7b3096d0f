package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The storm verdict and the kernel counters it reports, without sockets. */
class StormVerdictTest {
    @Test
    void shouldPassWhenEveryClientIsBackResubscribedAndGapFree() {
        final StormVerdict v = new StormVerdict(100, 100, 100, 100, 100, 100, 0, 0);
        assertTrue(v.passed(), v.failures().toString());
    }

    @Test
    void shouldFailWhileAnyReconnectedClientLacksItsResubscribeAck() {
        final StormVerdict v = new StormVerdict(100, 100, 100, 100, 99, 100, 0, 0);
        assertFalse(v.passed());
        assertEquals(1, v.failures().size(), v.failures().toString());
        assertTrue(
                v.failures().get(0).contains("1 dropped clients have no resubscribe ack"),
                v.failures().toString());
    }

    @Test
    void shouldFailOnClientsNotDroppedNotBackNotOpenGapsOrDuplicates() {
        assertFalse(new StormVerdict(100, 100, 99, 99, 99, 100, 0, 0).passed());
        // Two pods, one killed: half the clients drop, and that is what the drill expects.
        assertTrue(new StormVerdict(100, 50, 50, 50, 50, 100, 0, 0).passed());
        assertFalse(new StormVerdict(100, 50, 49, 49, 49, 100, 0, 0).passed());
        assertFalse(new StormVerdict(100, 100, 100, 98, 98, 98, 0, 0).passed());
        assertFalse(new StormVerdict(100, 100, 100, 100, 100, 97, 0, 0).passed());
        assertFalse(new StormVerdict(100, 100, 100, 100, 100, 100, 1, 0).passed());
        assertFalse(new StormVerdict(100, 100, 100, 100, 100, 100, 0, 2).passed());
    }

    private static final String NETSTAT = "TcpExt: SyncookiesSent ListenOverflows ListenDrops TCPSynRetrans\n"
            + "TcpExt: 0 7 9 31\n"
            + "IpExt: InNoRoutes\n"
            + "IpExt: 0\n";
    private static final String SNMP =
            "Ip: Forwarding\nIp: 1\n" + "Tcp: RtoAlgorithm AttemptFails EstabResets RetransSegs\n" + "Tcp: 1 11 5 40\n";

    @Test
    void shouldReadKernelCountersAndReportDeltas() {
        final KernelCounters before =
                KernelCounters.parse(Map.of("/proc/net/netstat", NETSTAT, "/proc/net/snmp", SNMP));
        assertEquals(7, before.get("listen_overflows"));
        assertEquals(9, before.get("listen_drops"));
        assertEquals(31, before.get("syn_retrans"));
        assertEquals(11, before.get("attempt_fails"));
        assertEquals(40, before.get("retrans_segs"));
        final KernelCounters after = KernelCounters.parse(Map.of(
                "/proc/net/netstat",
                NETSTAT.replace("0 7 9 31", "0 10 12 36"),
                "/proc/net/snmp",
                SNMP.replace("1 11 5 40", "1 20 5 41")));
        final Map<String, Object> d = after.since(before);
        assertEquals(3L, d.get("listen_overflows"));
        assertEquals(3L, d.get("listen_drops"));
        assertEquals(5L, d.get("syn_retrans"));
        assertEquals(9L, d.get("attempt_fails"));
        assertEquals(1L, d.get("retrans_segs"));
        assertTrue(KernelCounters.line(d).contains("listen overflows 3"));
    }

    @Test
    void shouldLeaveOutCountersTheKernelDoesNotShow() {
        final KernelCounters none = KernelCounters.parse(Map.of());
        assertEquals(null, none.get("listen_overflows"));
        assertFalse(none.since(none).containsKey("syn_retrans"));
    }

    @Test
    void shouldNameConnectFailureCauses() {
        assertEquals("timed_out", FleetStats.causeOf(new io.netty.channel.ConnectTimeoutException("x")));
        assertEquals("refused", FleetStats.causeOf(new java.net.ConnectException("Connection refused")));
        assertEquals("reset", FleetStats.causeOf(new java.io.IOException("Connection reset by peer")));
        assertEquals(
                "closed_before_upgrade",
                FleetStats.causeOf(new java.io.IOException("connection closed before the upgrade answer")));
    }
}
