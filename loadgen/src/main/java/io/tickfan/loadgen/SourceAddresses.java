package io.tickfan.loadgen;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The source addresses of a fleet's connections. Every connection from one address to one server
 * port needs a port of its own, and the kernel finds one by searching the ephemeral range from a
 * random point: with thousands of connections from 127.0.0.1 to one port that search, in {@code
 * connect}, became the load generator's largest cost and capped a fresh wave near 2,000 upgrades/s
 * on a 2-core VM (docs/loadgen.md). So when every target is IPv4 loopback and the fleet is larger
 * than {@code perSource}, connection {@code i} goes from {@code 127.0.0.(1 + i mod k)}, {@code k}
 * addresses with at most {@code perSource} connections each; the port is left to {@code connect}
 * (the client sets {@code IP_BIND_ADDRESS_NO_PORT}), so each address has the whole range to itself.
 * Any other target: the kernel's choice, one address.
 */
final class SourceAddresses {
    private static final SourceAddresses KERNEL = new SourceAddresses(0);

    private final int count;

    private SourceAddresses(int count) {
        this.count = count;
    }

    static SourceAddresses forTargets(List<URI> urls, int connections, int perSource) {
        final int k = (connections + perSource - 1) / perSource;
        if (k <= 1 || !allIpv4Loopback(urls)) {
            return KERNEL;
        }
        return new SourceAddresses(Math.min(k, 254));
    }

    /** How many addresses connections are spread over; 0: the kernel chooses. */
    int count() {
        return count;
    }

    /** The source address of connection {@code i}, or null for the kernel's choice. */
    InetSocketAddress of(int i) {
        return count == 0 ? null : new InetSocketAddress("127.0.0." + (1 + i % count), 0);
    }

    private static boolean allIpv4Loopback(List<URI> urls) {
        for (URI uri : urls) {
            try {
                final InetAddress a = InetAddress.getByName(uri.getHost());
                if (!(a instanceof Inet4Address) || !a.isLoopbackAddress()) {
                    return false;
                }
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return true;
    }
}
