package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class StreamBackfillerTest {
    @Test
    void shouldStepBackOneEntryIdWithinAMillisecond() {
        assertEquals("1795447143597-4", StreamBackfiller.previousId("1795447143597-5"));
    }

    @Test
    void shouldStepBackToTheLastPossibleIdOfThePreviousMillisecond() {
        assertEquals("1795447143596-18446744073709551615", StreamBackfiller.previousId("1795447143597-0"));
    }

    @Test
    void shouldHaveNothingBeforeTheFirstPossibleId() {
        assertNull(StreamBackfiller.previousId("0-0"));
    }
}
