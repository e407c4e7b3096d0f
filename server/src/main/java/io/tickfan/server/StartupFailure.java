package io.tickfan.server;

import java.io.FileNotFoundException;
import java.net.BindException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/**
 * A start-up step that failed, naming the setting behind it, so that {@link Main} can print one
 * line (no stack trace) and exit non-zero.
 */
public final class StartupFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param settings the key or keys an operator would change, e.g. {@code "host/port"}
     * @param what the failed step, e.g. {@code "cannot bind 0.0.0.0:8080"}
     * @param cause the underlying failure (its message, not its stack, is shown)
     */
    public StartupFailure(String settings, String what, Throwable cause) {
        super(settings + ": " + what + (cause == null ? "" : ": " + describe(cause)), cause);
    }

    /** One line for any failure: the innermost cause's kind and the first line of its message. */
    public static String describe(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root instanceof NoSuchFileException || root instanceof FileNotFoundException) {
            return "no such file: " + firstLine(root.getMessage());
        }
        if (root instanceof AccessDeniedException) {
            return "permission denied: " + firstLine(root.getMessage());
        }
        final String message = firstLine(root.getMessage());
        if (root instanceof BindException
                || message.contains("Address already in use")
                || message.contains("Permission denied")) {
            return message.contains("Permission denied") ? "permission denied" : "address already in use";
        }
        return message.isEmpty() ? root.getClass().getSimpleName() : message;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        final int nl = message.indexOf('\n');
        return (nl < 0 ? message : message.substring(0, nl)).strip();
    }
}
