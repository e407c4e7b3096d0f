package io.tickfan.client;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * What a {@link TickfanClient} connects to and how it behaves. Immutable; the {@code with*}
 * methods return copies.
 *
 * @param uri {@code ws://host:port/ws}, the first endpoint tried
 * @param token the JWT sent as {@code Authorization: Bearer}; null sends none
 * @param backoff reconnect policy; null means do not reconnect
 * @param localAddress source address to bind (port 0), or null to let the kernel choose
 * @param maxHz per-subscription rate cap asked of the server; 0 for none
 * @param maxFramePayloadBytes largest server frame accepted
 * @param receiveBufferBytes socket receive buffer (SO_RCVBUF, which also turns off the kernel's
 *     autotuning); 0 leaves the kernel default. A small one makes a client that stops reading push
 *     back on the server at once instead of after megabytes of kernel buffering.
 * @param fallbackUris further endpoints (other pods of the same service), tried in order after
 *     {@code uri}: an attempt that fails (refused, reset, timed out, closed or refused before the
 *     upgrade) moves to the next one at once; only when every endpoint failed in a row does the
 *     {@link Backoff} delay apply. A dropped connection first retries the endpoint it was on.
 * @param binaryTicks offer {@value BINARY_SUBPROTOCOL} first: ticks then arrive as binary frames
 *     (control messages stay JSON); a server that does not know it answers with {@value
 *     #SUBPROTOCOL} and JSON ticks, which the client reads just the same
 * @param restartSpread after the server closed the connection for a restart or drain (close code
 *     4001 with {@code retry_ms=N}), wait at least N ms: the moment the server drew for this
 *     connection so that its clients come back spread over the drain window. On by default; a
 *     feed handler (one publishing connection, whose absence holds back every subscriber's ticks)
 *     turns it off and comes back on its {@link Backoff} alone. A refused connection's {@code
 *     Retry-After} (429, 503) is honoured either way.
 */
public record ClientOptions(
        URI uri,
        String token,
        Backoff backoff,
        InetSocketAddress localAddress,
        int maxHz,
        int maxFramePayloadBytes,
        int receiveBufferBytes,
        List<URI> fallbackUris,
        boolean binaryTicks,
        boolean restartSpread) {
    /** The subprotocol of protocol v1. */
    public static final String SUBPROTOCOL = "tickfan.v1";

    /** The subprotocol of protocol v1 with binary ticks ({@link io.tickfan.protocol.BinaryTicks}). */
    public static final String BINARY_SUBPROTOCOL = io.tickfan.protocol.BinaryTicks.SUBPROTOCOL;

    public ClientOptions {
        check(uri);
        fallbackUris = List.copyOf(fallbackUris);
        fallbackUris.forEach(ClientOptions::check);
    }

    private static void check(URI uri) {
        if (!"ws".equals(uri.getScheme())) {
            throw new IllegalArgumentException("only ws:// URLs are supported, got " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + uri);
        }
    }

    /** Reconnecting with {@link Backoff#exponential()}, no rate cap. */
    public static ClientOptions of(URI uri, String token) {
        return new ClientOptions(uri, token, Backoff.exponential(), null, 0, 1 << 20, 0, List.of(), false, true);
    }

    /** Like {@link #of(URI, String)} with several endpoints, tried in this order (failover). */
    public static ClientOptions of(List<URI> uris, String token) {
        if (uris.isEmpty()) {
            throw new IllegalArgumentException("no URL");
        }
        return of(uris.get(0), token).withFallbackUris(uris.subList(1, uris.size()));
    }

    /** Every endpoint in the order tried: {@code uri} then the fallbacks. */
    public List<URI> uris() {
        final List<URI> all = new ArrayList<>(1 + fallbackUris.size());
        all.add(uri);
        all.addAll(fallbackUris);
        return all;
    }

    public ClientOptions withFallbackUris(List<URI> fallbackUris) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binaryTicks,
                restartSpread);
    }

    public ClientOptions withBackoff(Backoff backoff) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binaryTicks,
                restartSpread);
    }

    public ClientOptions withLocalAddress(InetSocketAddress localAddress) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binaryTicks,
                restartSpread);
    }

    public ClientOptions withToken(String token) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binaryTicks,
                restartSpread);
    }

    public ClientOptions withMaxHz(int maxHz) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binaryTicks,
                restartSpread);
    }

    public ClientOptions withReceiveBufferBytes(int receiveBufferBytes) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binaryTicks,
                restartSpread);
    }

    /** With {@code binary}, ticks are asked for as binary frames ({@value BINARY_SUBPROTOCOL}). */
    public ClientOptions withBinaryTicks(boolean binary) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binary,
                restartSpread);
    }

    /** With {@code false}, a restart's {@code retry_ms} is not waited for (see {@link #restartSpread()}). */
    public ClientOptions withRestartSpread(boolean restartSpread) {
        return new ClientOptions(
                uri,
                token,
                backoff,
                localAddress,
                maxHz,
                maxFramePayloadBytes,
                receiveBufferBytes,
                fallbackUris,
                binaryTicks,
                restartSpread);
    }

    /** The {@code Sec-WebSocket-Protocol} offer, most preferred first. */
    String subprotocols() {
        return binaryTicks ? BINARY_SUBPROTOCOL + "," + SUBPROTOCOL : SUBPROTOCOL;
    }

    static int port(URI uri) {
        return uri.getPort() > 0 ? uri.getPort() : 80;
    }
}
