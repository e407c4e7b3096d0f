package io.tickfan.server.transport;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ListenBacklogTest {
    @Test
    void shouldWarnWhenSomaxconnCapsTheBacklog() {
        final String w = ListenBacklog.capWarning(16384, 4096, 65536);
        assertTrue(w.contains("transport.backlog=16384") && w.contains("net.core.somaxconn=4096"), w);
        assertTrue(!w.contains("tcp_max_syn_backlog"), w);
    }

    @Test
    void shouldWarnWhenTheSynBacklogIsSmaller() {
        final String w = ListenBacklog.capWarning(16384, 4096, 2048);
        assertTrue(w.contains("net.core.somaxconn=4096, net.ipv4.tcp_max_syn_backlog=2048"), w);
    }

    @Test
    void shouldStayQuietWhenTheKernelAllowsTheBacklogOrCannotBeRead() {
        assertNull(ListenBacklog.capWarning(16384, 65535, 65535));
        assertNull(ListenBacklog.capWarning(16384, -1, -1));
    }
}
