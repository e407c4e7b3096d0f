package io.tickfan.loadgen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DurationConverterTest {
    private final DurationConverter c = new DurationConverter();

    @Test
    void shouldParseUnits() {
        assertEquals(Duration.ofMillis(250), c.convert("250ms"));
        assertEquals(Duration.ofMillis(1500), c.convert("1.5s"));
        assertEquals(Duration.ofMinutes(2), c.convert("2m"));
        assertEquals(Duration.ofHours(1), c.convert("1h"));
        assertEquals(Duration.ofSeconds(7), c.convert("7"));
    }

    @Test
    void shouldRejectGarbage() {
        assertThrows(CommandLine.TypeConversionException.class, () -> c.convert("fast"));
    }
}
