package io.tickfan.client;

import java.net.InetSocketAddress;
import java.net.URI;

/**
 * What a {@link TickfanClient} connects to and how it behaves. Immutable; the {@code with*}
 * methods return copies.
 *
 * @param uri {@code ws://host:port/ws}
 * @param token the JWT sent as {@code Authorization: Bearer}; null sends none
 * @param backoff reconnect policy; null means do not reconnect
 * @param localAddress source address to bind (port 0), or null to let the kernel choose
 * @param maxHz per-subscription rate cap asked of the server; 0 for none
 * @param maxFramePayloadBytes largest server frame accepted
 * @param receiveBufferBytes socket receive buffer (SO_RCVBUF, which also turns off the kernel's
 *     autotuning); 0 leaves the kernel default. A small one makes a client that stops reading push
 *     back on the server at once instead of after megabytes of kernel buffering.
 */
public record ClientOptions(
        URI uri,
        String token,
        Backoff backoff,
        InetSocketAddress localAddress,
        int maxHz,
        int maxFramePayloadBytes,
        int receiveBufferBytes) {
    /** The subprotocol of protocol v1. */
    public static final String SUBPROTOCOL = "tickfan.v1";

    public ClientOptions {
        final String scheme = uri.getScheme();
        if (!"ws".equals(scheme)) {
            throw new IllegalArgumentException("only ws:// URLs are supported, got " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("no host in " + uri);
        }
    }

    /** Reconnecting with {@link Backoff#exponential()}, no rate cap. */
    public static ClientOptions of(URI uri, String token) {
        return new ClientOptions(uri, token, Backoff.exponential(), null, 0, 1 << 20, 0);
    }

    public ClientOptions withBackoff(Backoff backoff) {
        return new ClientOptions(uri, token, backoff, localAddress, maxHz, maxFramePayloadBytes, receiveBufferBytes);
    }

    public ClientOptions withLocalAddress(InetSocketAddress localAddress) {
        return new ClientOptions(uri, token, backoff, localAddress, maxHz, maxFramePayloadBytes, receiveBufferBytes);
    }

    public ClientOptions withToken(String token) {
        return new ClientOptions(uri, token, backoff, localAddress, maxHz, maxFramePayloadBytes, receiveBufferBytes);
    }

    public ClientOptions withMaxHz(int maxHz) {
        return new ClientOptions(uri, token, backoff, localAddress, maxHz, maxFramePayloadBytes, receiveBufferBytes);
    }

    public ClientOptions withReceiveBufferBytes(int receiveBufferBytes) {
        return new ClientOptions(uri, token, backoff, localAddress, maxHz, maxFramePayloadBytes, receiveBufferBytes);
    }

    int port() {
        return uri.getPort() > 0 ? uri.getPort() : 80;
    }
}
