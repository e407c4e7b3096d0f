package io.tickfan.server.logging;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.helpers.NOPMDCAdapter;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The server's SLF4J backend (Netty and Lettuce log through SLF4J too): plain or JSON lines on
 * stderr, see {@link LogFormat}. Levels: INFO by default, {@code -Dtickfan.log.level=debug} for
 * everything, {@code -Dtickfan.log.level.<logger prefix>=warn} per prefix. Lettuce's per-client
 * announcements of its transport and pool sizes are kept at ERROR.
 */
public final class TickfanLogProvider implements SLF4JServiceProvider {
    private static final Map<String, String> QUIET = Map.of("io.lettuce.core.resource", "error");

    private final Map<String, Logger> loggers = new ConcurrentHashMap<>();
    private final ILoggerFactory factory = name -> loggers.computeIfAbsent(name, n -> new TickfanLogger(n, level(n)));
    private final IMarkerFactory markers = new BasicMarkerFactory();
    private final MDCAdapter mdc = new NOPMDCAdapter();

    static Level level(String name) {
        String best = System.getProperty("tickfan.log.level", "info");
        int bestLength = -1;
        for (Map.Entry<String, String> q : QUIET.entrySet()) {
            if (name.startsWith(q.getKey()) && q.getKey().length() > bestLength) {
                best = q.getValue();
                bestLength = q.getKey().length();
            }
        }
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("tickfan.log.level.")) {
                final String prefix = key.substring("tickfan.log.level.".length());
                if (name.startsWith(prefix) && prefix.length() > bestLength) {
                    best = System.getProperty(key);
                    bestLength = prefix.length();
                }
            }
        }
        try {
            return Level.valueOf(best.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return Level.INFO;
        }
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return factory;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }

    @Override
    public void initialize() {}
}
