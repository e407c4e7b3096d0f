package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AsciiNumbersTest {
    private final byte[] out = new byte[64];

    private String longText(long v) {
        return new String(out, 0, AsciiNumbers.putLong(out, 0, v), StandardCharsets.US_ASCII);
    }

    private String decimalText(long mantissa) {
        return new String(out, 0, AsciiNumbers.putDecimal(out, 0, mantissa), StandardCharsets.US_ASCII);
    }

    @Test
    void shouldWriteLongsAsTheJdkDoesAtEveryDigitCountAndSign() {
        long power = 1;
        for (int digits = 1; digits <= 19; digits++) {
            for (long v : new long[] {power - 1, power, power + 1, 2 * power - 1}) {
                assertEquals(Long.toString(v), longText(v));
                assertEquals(Long.toString(-v), longText(-v));
            }
            power = digits < 19 ? power * 10 : power;
        }
        assertEquals(Long.toString(Long.MAX_VALUE), longText(Long.MAX_VALUE));
        assertEquals(Long.toString(Long.MIN_VALUE), longText(Long.MIN_VALUE));
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            final long v = random.nextLong() >> random.nextInt(64);
            assertEquals(Long.toString(v), longText(v));
        }
    }

    @Test
    void shouldWriteDecimalsAsTheirShortestExactText() {
        final SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            final long mantissa = random.nextLong() >> random.nextInt(64);
            final String expected = BigDecimal.valueOf(mantissa, Decimals.SCALE)
                    .stripTrailingZeros()
                    .toPlainString();
            assertEquals(expected, decimalText(mantissa), "mantissa " + mantissa);
        }
        assertEquals("0", decimalText(0));
        assertEquals("0.00000001", decimalText(1));
        assertEquals("-0.1", decimalText(-10_000_000));
        assertEquals("-92233720368.54775808", decimalText(Long.MIN_VALUE));
    }
}
