package io.tickfan.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.testing.RawWebSocket;
import io.tickfan.server.testing.TickfanServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Anyone who can reach the port can make TLS handshakes fail: each used to log a 30 to 40 line
 * stack trace. 1,000 of them now log a bounded handful of one-line messages (slf4j-simple writes
 * to System.err, captured here in-process) and are counted.
 */
@Tag("fault")
class ClientErrorLogIT {
    private static final int HANDSHAKES = 1000;
    private static final int LINES_PER_MINUTE = 10;

    @Test
    void shouldLogAThousandBadTlsHandshakesInAFewLinesAndCountThem() throws Exception {
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        long notLogged = 0;
        final PrintStream original = System.err;
        try (TickfanServer server = TickfanServerExtension.start(c -> c.with(ServerConfig.TLS_SELF_SIGNED, true)
                .with(ServerConfig.LOG_CLIENT_ERRORS_PER_MINUTE, LINES_PER_MINUTE)
                .with(ServerConfig.CONNECTIONS_PER_IP, 100_000)
                .with(ServerConfig.CONNECTION_BURST_PER_IP, 100_000))) {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                final Random random = new Random(7);
                for (int i = 0; i < HANDSHAKES; i++) {
                    badHandshake(server.port(), random);
                }
                // The server is fine: it still answers.
                final HttpResponse<String> health = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
                                        .timeout(Duration.ofSeconds(10))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode());
                notLogged = server.engine().counters().get(Counters.Counter.CLIENT_ERRORS_NOT_LOGGED);
            } finally {
                System.setErr(original);
            }
        }
        final String log = captured.toString(StandardCharsets.UTF_8);
        final long lines = log.lines().count();
        original.println("log of " + HANDSHAKES + " bad TLS handshakes: " + lines + " lines, " + captured.size()
                + " bytes; first lines:\n" + log.lines().limit(3).reduce("", (a, b) -> a + b + "\n"));
        // One minute's worth of lines per kind (a slow machine may cross into a second minute).
        assertTrue(lines <= 4L * LINES_PER_MINUTE, "too many log lines: " + lines + "\n" + tail(log));
        assertTrue(captured.size() < 16 * 1024, "log too large: " + captured.size() + " bytes\n" + tail(log));
        assertTrue(!log.contains("\tat "), "a stack trace was logged:\n" + tail(log));
        assertTrue(notLogged >= HANDSHAKES - 2 * LINES_PER_MINUTE, "bad handshakes counted, not logged: " + notLogged);
    }

    /** A TLS handshake record whose body is garbage; waits until the server closes the connection. */
    private static void badHandshake(int port, Random random) throws Exception {
        try (Socket socket = RawWebSocket.connect(port)) {
            socket.setSoTimeout(10_000);
            final byte[] body = new byte[64];
            random.nextBytes(body);
            final OutputStream out = socket.getOutputStream();
            out.write(new byte[] {0x16, 0x03, 0x01, 0x00, (byte) body.length});
            out.write(body);
            out.flush();
            final InputStream in = socket.getInputStream();
            final byte[] sink = new byte[1024];
            try {
                while (in.read(sink) >= 0) {
                    // the alert, if any, then end of stream
                }
            } catch (java.net.SocketException reset) {
                // closed with a reset: as good as an end of stream here
            }
        }
    }

    private static String tail(String log) {
        return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    }
}
