package io.tickfan.server.sse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tickfan.protocol.Tick;
import io.tickfan.server.TickfanServer;
import io.tickfan.server.config.ServerConfig;
import io.tickfan.server.metrics.Counters;
import io.tickfan.server.session.SessionRegistry;
import io.tickfan.server.session.TransportKind;
import io.tickfan.server.testing.TestTokens;
import io.tickfan.server.testing.TickfanServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * SSE over HTTP/1.1 has no read receipt: the client sends nothing once its GET is in, so a reader
 * that stops is seen only when the kernel stops taking bytes, and then by the age of the backlog
 * Netty holds ({@code outbound.lagConflateMs}). With default settings on loopback, a client whose
 * receive buffer is a fixed 64 KiB closes its window after that much, the server's send buffer
 * (autotuned, megabytes on loopback) fills at this rate within seconds, and the stream is
 * conflated {@code outbound.lagConflateMs} later and closed (reset: its end cannot pass the
 * backlog) {@code outbound.slowConsumerTimeoutMs} after that. A healthy HTTP/1.1 reader of the
 * same symbol gets every tick, none conflated. How long detection takes is the time to fill those
 * buffers: printed, and bounded here only loosely (it depends on the kernel's autotuning).
 */
@Tag("fault")
class StalledSseHttp1ReaderIT {
    private static final String SYMBOL = "H1STALL";
    private static final int TICKS_PER_SECOND = 2_000;
    private static final int STALLED_RECEIVE_BUFFER_BYTES = 64 << 10;
    /** Send buffer (at most tcp_wmem's 4 MiB) over about 120 KB/s of events, plus the lag allowance. */
    private static final long CONFLATED_WITHIN_MS = 45_000;

    @Test
    void shouldConflateThenCloseAStalledHttp1StreamOnceTheKernelStopsTakingBytes() throws Exception {
        final ServerConfig config = TickfanServerExtension.testDefaults();
        final long timeoutMs = config.longValue(ServerConfig.SLOW_CONSUMER_TIMEOUT_MS);
        try (TickfanServer server = TickfanServer.start(config);
                Reader healthy = Reader.open(server.port(), 0);
                Reader stalled = Reader.open(server.port(), STALLED_RECEIVE_BUFFER_BYTES)) {
            // Seq 1 reaching both proves both are subscribed: from here on neither misses a tick.
            TestTicks.publishNoWait(server, SYMBOL, 1);
            TestTicks.await(() -> healthy.ticks.size() == 1 && stalled.ticks.size() == 1);
            stalled.stall();

            final Counters counters = server.engine().counters();
            final long closesBefore = counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES);
            final long startNs = System.nanoTime();
            final long deadlineNs = startNs + TimeUnit.MILLISECONDS.toNanos(CONFLATED_WITHIN_MS + timeoutMs + 5_000);
            long conflatedAfterMs = -1;
            int published = 1;
            while (counters.get(Counters.Counter.SLOW_CONSUMER_CLOSES) - closesBefore < 1) {
                assertTrue(System.nanoTime() < deadlineNs, "stalled HTTP/1.1 stream not closed after " + published);
                TestTicks.publishNoWait(server, SYMBOL, 1);
                published++;
                if (conflatedAfterMs < 0 && published % 100 == 0 && conflatedAway(server) > 0) {
                    conflatedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
                }
                final long nextNs = startNs + (published - 1) * (1_000_000_000L / TICKS_PER_SECOND);
                final long sleepNs = nextNs - System.nanoTime();
                if (sleepNs > 0) {
                    TimeUnit.NANOSECONDS.sleep(sleepNs);
                }
            }
            final long closedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
            final int all = published;
            TestTicks.await(() -> healthy.ticks.size() >= all);
            for (int i = 0; i < all; i++) {
                final Tick t = healthy.ticks.get(i);
                assertEquals(i + 1, t.seq, "a healthy HTTP/1.1 reader misses nothing");
                assertFalse(t.isConflated(), "a healthy HTTP/1.1 reader is never conflated: seq " + t.seq);
            }

            // Reading again: a gap-free prefix (what the buffers held), then the reset.
            stalled.resume();
            TestTicks.await(() -> stalled.ended);
            for (int i = 0; i < stalled.ticks.size(); i++) {
                assertEquals(i + 1, stalled.ticks.get(i).seq, "no gap and nothing conflated before the reset");
            }
            System.out.printf(
                    "StalledSseHttp1ReaderIT: at %d ticks/s a stalled HTTP/1.1 stream (receive buffer %d KiB) was"
                            + " conflated about %d ms after the stall and closed %d ms after it (timeout %d ms);"
                            + " it got %d ticks after the stall, then %s%n",
                    TICKS_PER_SECOND,
                    STALLED_RECEIVE_BUFFER_BYTES >> 10,
                    conflatedAfterMs,
                    closedAfterMs,
                    timeoutMs,
                    stalled.ticks.size() - 1,
                    stalled.failure == null ? "the end of the stream" : "a reset (" + stalled.failure + ")");
            assertTrue(
                    conflatedAfterMs > 0 && conflatedAfterMs <= CONFLATED_WITHIN_MS, "conflated: " + conflatedAfterMs);
            assertTrue(
                    closedAfterMs <= conflatedAfterMs + timeoutMs + 1_000,
                    "closed within the timeout of the conflation: " + closedAfterMs + " ms");
        }
    }

    private static long conflatedAway(TickfanServer server) {
        return server.context().sessions.statsByTransport().stream()
                .filter(t -> t.transport() == TransportKind.SSE_HTTP1)
                .mapToLong(SessionRegistry.TransportStats::ticksConflatedAway)
                .sum();
    }

    /** One HTTP/1.1 SSE GET on a plain socket, read by a thread of its own unless stalled. */
    private static final class Reader implements AutoCloseable {
        private final Socket socket;
        final List<Tick> ticks = java.util.Collections.synchronizedList(new ArrayList<>());
        private boolean reading = true;
        volatile boolean ended;
        volatile IOException failure;

        /** The reader thread reads nothing more until {@link #resume}. */
        synchronized void stall() {
            reading = false;
        }

        synchronized void resume() {
            reading = true;
            notifyAll();
        }

        private synchronized void awaitReading() throws InterruptedException {
            while (!reading) {
                wait();
            }
        }

        private Reader(Socket socket) {
            this.socket = socket;
            final Thread t = new Thread(this::read, "h1-sse-reader");
            t.setDaemon(true);
            t.start();
        }

        /** @param receiveBufferBytes SO_RCVBUF of the client's socket (fixed: no autotuning), or 0 */
        static Reader open(int port, int receiveBufferBytes) throws IOException {
            final Socket socket = new Socket();
            if (receiveBufferBytes > 0) {
                socket.setReceiveBufferSize(receiveBufferBytes);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.getOutputStream()
                    .write(("GET /sse?symbols=" + SYMBOL + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer "
                                    + TestTokens.valid() + "\r\nAccept: text/event-stream\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            return new Reader(socket);
        }

        private void read() {
            final SseParser parser = new SseParser(e -> {
                if (e.isTick()) {
                    ticks.add(e.tick());
                }
            });
            final StringBuilder head = new StringBuilder();
            final byte[] buf = new byte[4096];
            try (InputStream in = socket.getInputStream()) {
                int n;
                while (true) {
                    awaitReading();
                    if ((n = in.read(buf)) < 0) {
                        break;
                    }
                    final String text = new String(buf, 0, n, StandardCharsets.UTF_8);
                    if (head != null && head.indexOf("\r\n\r\n") < 0) {
                        head.append(text);
                        final int end = head.indexOf("\r\n\r\n");
                        if (end >= 0) {
                            parser.feed(head.substring(end + 4));
                        }
                    } else {
                        parser.feed(text);
                    }
                }
            } catch (IOException e) {
                failure = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ended = true;
        }

        @Override
        public void close() throws IOException {
            socket.close();
            resume(); // a stalled reader thread then meets the closed socket and ends
        }
    }
}
