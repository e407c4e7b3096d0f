package io.tickfan.server.admission;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.ImmediateEventExecutor;
import org.junit.jupiter.api.Test;

/** The first handler of every connection, on an {@link EmbeddedChannel}. */
class AdmissionHandlerTest {
    private final ChannelGroup connections = new DefaultChannelGroup(ImmediateEventExecutor.INSTANCE);

    @Test
    void shouldAdmitCountAndReleaseTheSlotOnClose() {
        final AdmissionControl control = new AdmissionControl(2, 100, 100, 100, 100);
        final EmbeddedChannel ch = new EmbeddedChannel(new AdmissionHandler(control, connections));
        assertNull(AdmissionHandler.rejectionOf(ch));
        assertFalse(ch.hasAttr(AdmissionHandler.REJECTION), "asking added nothing to the admitted connection");
        assertEquals(1, control.openConnections());
        assertEquals(1, connections.size());
        assertNull(ch.pipeline().get(AdmissionHandler.class), "nothing of admission stays in the pipeline");
        ch.close();
        assertEquals(0, control.openConnections(), "the slot is released once");
        ch.pipeline().fireChannelInactive();
        assertEquals(0, control.openConnections(), "a second inactive event releases nothing more");
    }

    @Test
    void shouldMarkARefusedConnectionWithoutClosingIt() {
        final AdmissionControl control = new AdmissionControl(1, 100, 100, 100, 100);
        final EmbeddedChannel first = new EmbeddedChannel(new AdmissionHandler(control, connections));
        final EmbeddedChannel second = new EmbeddedChannel(new AdmissionHandler(control, connections));
        final AdmissionControl.Rejection rejection = AdmissionHandler.rejectionOf(second);
        assertNotNull(rejection);
        assertEquals(503, rejection.status());
        assertEquals(true, second.isActive(), "the router answers it first, then closes");
        second.close();
        assertEquals(1, control.openConnections(), "a refused connection never held a slot");
        first.close();
        assertEquals(0, control.openConnections());
    }

    @Test
    void shouldRefuseEveryNewConnectionWhileDraining() {
        final AdmissionControl control = new AdmissionControl(100, 100, 100, 100, 100);
        control.startDraining(30);
        final EmbeddedChannel ch = new EmbeddedChannel(new AdmissionHandler(control, connections));
        final AdmissionControl.Rejection rejection = AdmissionHandler.rejectionOf(ch);
        assertEquals(503, rejection.status());
        assertEquals(30, rejection.retryAfterSeconds());
        ch.close();
        assertEquals(0, control.openConnections());
    }
}
