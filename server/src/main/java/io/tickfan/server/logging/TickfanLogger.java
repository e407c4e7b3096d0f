package io.tickfan.server.logging;

import java.io.Serial;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/** One named logger: a level threshold, and {@link LogFormat} for the line. */
final class TickfanLogger extends LegacyAbstractLogger {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int threshold;

    TickfanLogger(String name, Level threshold) {
        this.name = name;
        this.threshold = threshold.toInt();
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold;
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return null;
    }

    @Override
    protected void handleNormalizedLoggingCall(
            Level level, Marker marker, String messagePattern, Object[] arguments, Throwable throwable) {
        final String message = MessageFormatter.basicArrayFormat(messagePattern, arguments);
        LogFormat.write(level, name, message == null ? "" : message, throwable);
    }
}
