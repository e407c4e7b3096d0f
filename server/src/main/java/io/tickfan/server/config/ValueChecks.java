package io.tickfan.server.config;

import java.util.List;
import java.util.Map;

/**
 * Checks beyond "a whole number" and "true or false": ports in range, names from a fixed set. A
 * value that fails stops the start-up with one line naming the key (see {@link ServerConfig}).
 */
final class ValueChecks {
    private static final List<String> PORTS = List.of("port", "metrics.port");
    private static final Map<String, List<String>> CHOICES = Map.of(
            "transport", List.of("auto", "epoll", "io_uring", "nio"),
            "log.format", List.of("plain", "json"));

    private ValueChecks() {}

    static void check(Setting s, String value) {
        if (PORTS.contains(s.key()) && !(s.defaultValue().isEmpty() && value.isEmpty())) {
            final long port;
            try {
                port = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(s.key() + " must be a port number (0 to 65535), got: " + value, e);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException(s.key() + " must be a port number (0 to 65535), got: " + value);
            }
        }
        final List<String> choices = CHOICES.get(s.key());
        if (choices != null && !choices.contains(value)) {
            throw new IllegalArgumentException(
                    s.key() + " must be one of " + String.join(", ", choices) + ", got: " + value);
        }
    }
}
