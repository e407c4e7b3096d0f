package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.transport.TlsContexts;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A new connection's pipeline, in order, and a request served through all of it. */
class HttpServerInitializerTest {
    private final EmbeddedHttp http = new EmbeddedHttp(c -> c);

    @AfterEach
    void close() {
        http.close();
    }

    private List<String> names() {
        return http.channel.pipeline().names().stream()
                .filter(n -> !n.startsWith("DefaultChannelPipeline$"))
                .toList();
    }

    @Test
    void shouldJudgeAdmissionFirstAndLogClientErrorsLast() {
        http.channel.pipeline().addLast(new HttpServerInitializer(http.context, null));
        http.channel.pipeline().fireChannelActive(); // as for an accepted connection
        assertEquals(
                List.of(RequestDeadlineHandler.NAME, "detect", ClientErrorLog.NAME),
                names(),
                "admission judged the connection and left");
        assertEquals(1, http.context.admission.openConnections());
        http.send(EmbeddedHttp.get("/health"));
        assertTrue(http.statusLine().startsWith("HTTP/1.1 200"));
        assertEquals(
                List.of("http", "aggregator", CorsHeaders.NAME, "router", ClientErrorLog.NAME),
                names(),
                "the deadline and the detector are gone, HTTP/1.1 sits before the error log");
        http.channel.close();
        assertEquals(0, http.context.admission.openConnections(), "the slot is released on close");
    }

    @Test
    void shouldLookForTlsBeforeTheProtocolWhenConfigured() throws Exception {
        http.channel
                .pipeline()
                .addLast(new HttpServerInitializer(
                        http.context,
                        TlsContexts.fromConfig(ServerConfig.defaults().with(ServerConfig.TLS_SELF_SIGNED, true))));
        assertEquals(List.of("admission", RequestDeadlineHandler.NAME, "tls", "detect", ClientErrorLog.NAME), names());
    }
}
