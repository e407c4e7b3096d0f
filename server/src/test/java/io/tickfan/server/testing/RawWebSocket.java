package io.tickfan.server.testing;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A deliberately tiny WebSocket client on a plain socket, for what a real client will not do:
 * read a refused upgrade's status and JSON body, see the raw 101 headers, and send hand-built
 * frames (binary, fragmented, unmasked, oversized, invalid UTF-8) or no WebSocket at all.
 *
 * <pre>
 * UpgradeResponse r = RawWebSocket.upgrade(port, "/ws", Map.of("Authorization", "Bearer " + token));
 * try (RawWebSocket ws = r.webSocket()) {
 *     ws.sendFrame(true, RawWebSocket.OP_BINARY, new byte[] {1, 2}, true);
 *     assertEquals(1003, ws.awaitCloseCode(Duration.ofSeconds(5)));
 * }
 * </pre>
 */
public final class RawWebSocket implements AutoCloseable {
    public static final int OP_CONTINUATION = 0x0;
    public static final int OP_TEXT = 0x1;
    public static final int OP_BINARY = 0x2;
    public static final int OP_CLOSE = 0x8;
    public static final int OP_PING = 0x9;
    public static final int OP_PONG = 0xA;

    private static final Duration IO_TIMEOUT = Duration.ofSeconds(10);

    private final Socket socket;
    private final DataInputStream in;
    private final OutputStream out;

    private RawWebSocket(Socket socket, InputStream in) throws IOException {
        this.socket = socket;
        this.in = new DataInputStream(in);
        this.out = socket.getOutputStream();
    }

    /** A status, the response headers (names lower-cased), the body, and the socket if it upgraded. */
    public record UpgradeResponse(
            int status, Map<String, String> headers, String headerBlock, String body, RawWebSocket webSocket) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A frame from the server. */
    public record Frame(boolean fin, int opcode, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        /** The close code of a close frame, or 1005 if it carries none. */
        public int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xFF) << 8) | (payload[1] & 0xFF) : 1005;
        }
    }

    /** Opens a plain TCP connection to the loopback port (no HTTP sent yet). */
    public static Socket connect(int port) {
        return connect(port, 0);
    }

    /**
     * Connects with a fixed receive buffer ({@code 0}: the system's autotuned one), for clients
     * that must fall behind quickly: loopback autotuning can otherwise buffer tens of megabytes.
     */
    public static Socket connect(int port, int receiveBufferBytes) {
        try {
            final Socket s = new Socket();
            if (receiveBufferBytes > 0) {
                s.setReceiveBufferSize(receiveBufferBytes);
            }
            s.setTcpNoDelay(true);
            s.setSoTimeout((int) IO_TIMEOUT.toMillis());
            s.connect(new InetSocketAddress("127.0.0.1", port), (int) IO_TIMEOUT.toMillis());
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Sends a WebSocket upgrade request for {@code pathAndQuery} with {@code extraHeaders} and reads
     * the response head (and body, when not upgraded; the socket is then closed).
     */
    public static UpgradeResponse upgrade(int port, String pathAndQuery, Map<String, String> extraHeaders) {
        return upgrade(port, pathAndQuery, extraHeaders, 0);
    }

    private static UpgradeResponse upgrade(
            int port, String pathAndQuery, Map<String, String> extraHeaders, int receiveBufferBytes) {
        final Socket socket = connect(port, receiveBufferBytes);
        try {
            final StringBuilder request = new StringBuilder()
                    .append("GET ")
                    .append(pathAndQuery)
                    .append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:")
                    .append(port)
                    .append("\r\n")
                    .append("Upgrade: websocket\r\n")
                    .append("Connection: Upgrade\r\n")
                    .append("Sec-WebSocket-Key: ")
                    .append(Base64.getEncoder().encodeToString(randomBytes(16)))
                    .append("\r\n")
                    .append("Sec-WebSocket-Version: 13\r\n");
            extraHeaders.forEach(
                    (k, v) -> request.append(k).append(": ").append(v).append("\r\n"));
            request.append("\r\n");
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();

            final InputStream in = socket.getInputStream();
            final String head = readHead(in);
            final String[] lines = head.split("\r\n");
            final int status = Integer.parseInt(lines[0].split(" ")[1]);
            final Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                final int colon = lines[i].indexOf(':');
                headers.put(
                        lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
            if (status == 101) {
                return new UpgradeResponse(status, headers, head, "", new RawWebSocket(socket, in));
            }
            final String length = headers.get("content-length");
            final byte[] body =
                    length == null ? in.readAllBytes() : new DataInputStream(in).readNBytes(Integer.parseInt(length));
            socket.close();
            return new UpgradeResponse(status, headers, head, new String(body, StandardCharsets.UTF_8), null);
        } catch (IOException e) {
            closeQuietly(socket);
            throw new UncheckedIOException(e);
        }
    }

    /** Upgrades with {@code Authorization: Bearer <token>} and fails unless the server answers 101. */
    public static RawWebSocket open(int port, String path, String token) {
        return open(port, path, token, 0);
    }

    /** As {@link #open(int, String, String)} with a fixed socket receive buffer (see {@link #connect(int, int)}). */
    public static RawWebSocket open(int port, String path, String token, int receiveBufferBytes) {
        final UpgradeResponse r = upgrade(port, path, Map.of("Authorization", "Bearer " + token), receiveBufferBytes);
        if (r.status() != 101) {
            throw new AssertionError("expected 101, got " + r.status() + " " + r.body());
        }
        return r.webSocket();
    }

    private static String readHead(InputStream in) throws IOException {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!endsWithBlankLine(head.toByteArray())) {
            final int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed in the response head: " + head);
            }
            head.write(b);
        }
        final String text = head.toString(StandardCharsets.ISO_8859_1);
        return text.substring(0, text.length() - 4);
    }

    private static boolean endsWithBlankLine(byte[] b) {
        final int n = b.length;
        return n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n';
    }

    // ---- frames out -------------------------------------------------------------------------

    /** Sends one frame; client frames must be masked, so {@code masked=false} is a protocol violation. */
    public void sendFrame(boolean fin, int opcode, byte[] payload, boolean masked) {
        write(frame(fin, opcode, payload, payload.length, masked));
    }

    /** A masked, final text frame of {@code text}. */
    public void sendText(String text) {
        sendFrame(true, OP_TEXT, text.getBytes(StandardCharsets.UTF_8), true);
    }

    /** Sends bytes as they are. */
    public void write(byte[] bytes) {
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A frame header announcing {@code declaredLength} payload bytes, followed by the mask and the
     * (masked) {@code payload}, which may be shorter than declared.
     */
    public static byte[] frame(boolean fin, int opcode, byte[] payload, long declaredLength, boolean masked) {
        final ByteBuffer b = ByteBuffer.allocate(14 + payload.length);
        b.put((byte) ((fin ? 0x80 : 0) | opcode));
        final int maskBit = masked ? 0x80 : 0;
        if (declaredLength < 126) {
            b.put((byte) (maskBit | declaredLength));
        } else if (declaredLength <= 0xFFFF) {
            b.put((byte) (maskBit | 126));
            b.putShort((short) declaredLength);
        } else {
            b.put((byte) (maskBit | 127));
            b.putLong(declaredLength);
        }
        final byte[] mask = masked ? randomBytes(4) : new byte[4];
        if (masked) {
            b.put(mask);
        }
        for (int i = 0; i < payload.length; i++) {
            b.put((byte) (payload[i] ^ mask[i & 3]));
        }
        final byte[] bytes = new byte[b.position()];
        b.flip().get(bytes);
        return bytes;
    }

    // ---- frames in --------------------------------------------------------------------------

    /** The next frame, or null if the server closed the connection. */
    /** Whether {@link #readFrame} answers the server's pings (on by default, like any client). */
    public boolean answerPings = true;

    public Frame readFrame(Duration timeout) {
        try {
            socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
            final int b0 = in.read();
            if (b0 < 0) {
                return null;
            }
            final int b1 = in.readUnsignedByte();
            long length = b1 & 0x7F;
            if (length == 126) {
                length = in.readUnsignedShort();
            } else if (length == 127) {
                length = in.readLong();
            }
            if ((b1 & 0x80) != 0) {
                throw new AssertionError("the server sent a masked frame");
            }
            final byte[] payload = new byte[(int) length];
            in.readFully(payload);
            if ((b0 & 0x0F) == OP_PING && answerPings) {
                // What every client library does: the server's read receipts wait for it.
                sendFrame(true, OP_PONG, payload, true);
            }
            return new Frame((b0 & 0x80) != 0, b0 & 0x0F, payload);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no frame from the server within " + timeout, e);
        } catch (EOFException | SocketException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads (skipping data frames) until the server's close frame; returns its code. */
    public int awaitCloseCode(Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        final java.util.List<String> skipped = new java.util.ArrayList<>();
        while (true) {
            final long remainingNs = deadline - System.nanoTime();
            if (remainingNs <= 0) {
                throw new AssertionError("no close frame within " + timeout + "; frames instead: " + skipped);
            }
            final Frame f;
            try {
                f = readFrame(Duration.ofNanos(Math.max(1_000_000, remainingNs)));
            } catch (AssertionError timedOut) {
                throw new AssertionError("no close frame within " + timeout + "; frames instead: " + skipped);
            }
            if (f == null) {
                throw new AssertionError("connection closed without a close frame; frames before: " + skipped);
            }
            if (f.opcode() == OP_CLOSE) {
                return f.closeCode();
            }
            if (f.opcode() == OP_TEXT) {
                WireLog.ws(f.text());
            }
            skipped.add(f.opcode() == OP_TEXT ? f.text() : "opcode " + f.opcode());
        }
    }

    /** Reads the next text frame (skipping control frames other than close). */
    public String awaitText(Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            final Frame f = readFrame(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())));
            if (f == null || f.opcode() == OP_CLOSE) {
                throw new AssertionError("connection closed while waiting for a text frame"
                        + (f == null ? "" : " (close " + f.closeCode() + ")"));
            }
            if (f.opcode() == OP_TEXT) {
                WireLog.ws(f.text());
                return f.text();
            }
        }
    }

    /** Whether the server closes the TCP connection (end of stream or reset) within {@code timeout}. */
    public static boolean awaitEndOfStream(Socket socket, Duration timeout) {
        final long deadline = System.nanoTime() + timeout.toNanos();
        final byte[] sink = new byte[4096];
        try {
            final InputStream in = socket.getInputStream();
            while (true) {
                final long remainingMs = (deadline - System.nanoTime()) / 1_000_000;
                if (remainingMs <= 0) {
                    return false;
                }
                socket.setSoTimeout((int) remainingMs);
                if (in.read(sink) < 0) {
                    return true;
                }
            }
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset by the server: closed as well
        }
    }

    /** Whether the server closes this connection within {@code timeout} (after any close frame). */
    public boolean awaitEndOfStream(Duration timeout) {
        return awaitEndOfStream(socket, timeout);
    }

    public static byte[] randomBytes(int n) {
        final byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing a test socket: nothing to do
        }
    }
}
