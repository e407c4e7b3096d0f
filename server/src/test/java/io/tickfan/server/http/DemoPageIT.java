package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** The demo page is served only with the demo feed on; its token endpoint only without a configured key. */
class DemoPageIT {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(TickfanServer server, String path) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeThePageTheClientAndThePrintedDemoTokenWhenNoKeyIsConfigured() throws Exception {
        try (TickfanServer server = TickfanServer.start(
                ServerConfig.defaults().with(ServerConfig.PORT, 0).with(ServerConfig.DEMO_RATE, 10))) {
            final var page = get(server, "/");
            assertEquals(200, page.statusCode());
            assertTrue(page.headers().firstValue("content-type").orElseThrow().startsWith("text/html"));
            assertTrue(page.body().contains("/demo.js"));
            final var client = get(server, "/tickfan.js");
            assertEquals(200, client.statusCode());
            assertTrue(client.body().contains("export class TickfanClient"));
            assertEquals(200, get(server, "/tickfan-worker.js").statusCode());
            final var token = get(server, "/demo/token");
            assertEquals(200, token.statusCode());
            assertEquals("{\"token\":\"" + server.demoToken() + "\"}", token.body());
            assertEquals(404, get(server, "/../pom.xml").statusCode());
        }
    }

    @Test
    void shouldNeverHandOutATokenWhenAKeyIsConfigured() throws Exception {
        try (TickfanServer server = TickfanServer.start(ServerConfig.defaults()
                .with(ServerConfig.PORT, 0)
                .with(ServerConfig.DEMO_RATE, 10)
                .with(ServerConfig.AUTH_HS256_SECRET, "a-configured-secret-0123456789abcdef-0123456789"))) {
            assertEquals(200, get(server, "/").statusCode());
            assertEquals(404, get(server, "/demo/token").statusCode());
        }
    }

    @Test
    void shouldServeNoPageWithoutTheDemoFeed() throws Exception {
        try (TickfanServer server = TickfanServer.start(
                ServerConfig.defaults().with(ServerConfig.PORT, 0).with(ServerConfig.DEMO_ENABLED, false))) {
            assertEquals(404, get(server, "/").statusCode());
            assertEquals(404, get(server, "/demo/token").statusCode());
            assertEquals(404, get(server, "/tickfan.js").statusCode());
        }
    }
}
