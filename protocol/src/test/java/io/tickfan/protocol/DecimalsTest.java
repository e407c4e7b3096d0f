package io.tickfan.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DecimalsTest {
    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "1, 100000000",
        "-1, -100000000",
        "189.12, 18912000000",
        "0.00000001, 1",
        "-0.00000001, -1",
        "100.10, 10010000000",
        "007.5, 750000000",
        "92233720368.54775807, 9223372036854775807",
        "-92233720368.54775807, -9223372036854775807"
    })
    void shouldParsePlainDecimalsExactly(String text, long mantissa) {
        assertEquals(mantissa, Decimals.parse(text));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "-",
                ".",
                ".5",
                "1.",
                "-.5",
                "1.2.3",
                "1e5",
                "1E-2",
                "+1",
                " 1",
                "1 ",
                "0x10",
                "1,5",
                "NaN",
                "Infinity",
                "1.000000001",
                "92233720368.54775808",
                "-92233720368.54775808",
                "99999999999999999999"
            })
    void shouldRejectTextThatIsNotAnExactDecimal(String text) {
        assertEquals(Decimals.INVALID, Decimals.parse(text), text);
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "100000000, 1",
        "18912000000, 189.12",
        "1, 0.00000001",
        "-1, -0.00000001",
        "10010000000, 100.1",
        "-250000000, -2.5",
        "9223372036854775807, 92233720368.54775807",
        "-9223372036854775808, -92233720368.54775808"
    })
    void shouldWriteShortestExactText(long mantissa, String text) {
        assertEquals(text, write(mantissa));
        assertEquals(text, Decimals.toString(mantissa));
    }

    @Test
    void shouldRoundTripRandomMantissasThroughText() {
        final SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            final long mantissa =
                    switch (i % 3) {
                        case 0 -> random.nextLong(-1_000_000 * Decimals.ONE, 1_000_000 * Decimals.ONE);
                        case 1 -> random.nextLong(-1000, 1000);
                        default -> random.nextLong(Long.MIN_VALUE + 1, Long.MAX_VALUE);
                    };
            assertEquals(mantissa, Decimals.parse(write(mantissa)), () -> "mantissa " + mantissa);
        }
    }

    @Test
    void shouldRoundTripPricesThatBinaryFloatingPointCannotHold() {
        for (String price : new String[] {"0.1", "0.2", "0.3", "1.005", "123456.789", "0.07"}) {
            assertEquals(price, write(Decimals.parse(price)));
        }
    }

    @Test
    void shouldMakeMantissaOfWholeUnits() {
        assertEquals(4_200_000_000L, Decimals.ofUnits(42));
    }

    private static String write(long mantissa) {
        final ByteBuf buf = Unpooled.buffer();
        try {
            Decimals.write(buf, mantissa);
            return buf.toString(StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }
}
