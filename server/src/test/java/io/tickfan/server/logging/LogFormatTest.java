package io.tickfan.server.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

class LogFormatTest {
    private static final Logger LOG = LoggerFactory.getLogger("io.tickfan.test.LogFormatTest");

    @AfterEach
    void plainAgain() {
        LogFormat.useJson(false);
    }

    private static List<String> capture(Runnable r) {
        final PrintStream original = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(original);
        }
        return out.toString(StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void shouldBeTheServersSlf4jBackend() {
        assertEquals(TickfanLogger.class, LOG.getClass());
    }

    @Test
    void shouldWriteOneJsonObjectPerLineWithTheStableFieldsAndNoStackTrace() {
        LogFormat.useJson(true);
        final List<String> lines = capture(() ->
                LOG.warn("redis reader {} failed: \"{}\"", 3, "x\ty", new IllegalStateException("boom\nsecond line")));
        assertEquals(1, lines.size(), lines.toString());
        final String line = lines.get(0);
        assertTrue(
                line.matches("\\{\"ts\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z\",\"level\":\"WARN\","
                        + "\"logger\":\"io.tickfan.test.LogFormatTest\",\"thread\":\"[^\"]+\","
                        + "\"msg\":\"redis reader 3 failed: \\\\\"x\\\\ty\\\\\"\","
                        + "\"error\":\"java.lang.IllegalStateException: boom\"}"),
                line);
    }

    @Test
    void shouldWritePlainLinesWithTheExceptionOnTheSameLine() {
        final List<String> lines = capture(() -> LOG.error("failed", new RuntimeException("why")));
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(
                lines.get(0).endsWith("ERROR io.tickfan.test.LogFormatTest - failed: java.lang.RuntimeException: why"));
        assertFalse(lines.get(0).contains("\tat "));
    }

    @Test
    void shouldKeepDebugOffByDefaultAndLettuceAnnouncementsQuiet() {
        assertFalse(LOG.isDebugEnabled());
        assertTrue(LOG.isInfoEnabled());
        assertFalse(
                LoggerFactory.getLogger("io.lettuce.core.resource.Transports").isWarnEnabled());
    }
}
