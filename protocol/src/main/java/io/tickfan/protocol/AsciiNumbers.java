package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * ASCII integers and fixed-point decimals, written into a {@code byte[]} with plain stores, two
 * digits per division. Writing byte by byte into a {@link ByteBuf} costs a bounds and a
 * reference-count check per byte, which used to be most of a tick's encode; the {@code ByteBuf}
 * methods here format into a per-thread scratch array and copy it once.
 */
final class AsciiNumbers {
    /** Longest text of a long: sign and 19 digits. */
    static final int MAX_LONG_CHARS = 20;

    private static final byte[] MIN_LONG_TEXT = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] MIN_DECIMAL_TEXT = "-92233720368.54775808".getBytes(StandardCharsets.US_ASCII);

    /** "00", "01", ... "99": the tens digit at 2i, the units digit at 2i + 1. */
    private static final byte[] DIGIT_PAIRS = new byte[200];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
    }

    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>() {
        @Override
        protected byte[] initialValue() {
            return new byte[2 * TickEncoder.MAX_JSON_BYTES];
        }
    };

    private AsciiNumbers() {}

    /** This thread's scratch array, room for twice {@link TickEncoder#MAX_JSON_BYTES}. */
    static byte[] scratch() {
        return SCRATCH.get();
    }

    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        long power = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }

    /** Digits of the non-negative {@code value}: from its bit length (log10(2) ~ 1233 / 4096), no loop. */
    static int digitCount(long value) {
        final int bits = 64 - Long.numberOfLeadingZeros(value | 1);
        final int estimate = (bits * 1233) >>> 12;
        final int digits = estimate + (value >= POWERS_OF_TEN[estimate] ? 1 : 0);
        return Math.max(digits, 1);
    }

    static void writeLong(ByteBuf out, long value) {
        final byte[] s = scratch();
        out.writeBytes(s, 0, putLong(s, 0, value));
    }

    /** Writes {@code value} at {@code p}; returns the index after it. */
    static int putLong(byte[] dst, int p, long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                return put(dst, p, MIN_LONG_TEXT);
            }
            dst[p++] = '-';
            value = -value;
        }
        return putZeroPadded(dst, p, value, digitCount(value));
    }

    /** Writes the non-negative {@code value} as exactly {@code digits} digits; returns the index after. */
    static int putZeroPadded(byte[] dst, int p, long value, int digits) {
        final int end = p + digits;
        int i = end;
        // Eight digits at a time in int arithmetic (cheaper than long division), then the head.
        while (i - p > 8) {
            final long high = value / 100_000_000L;
            putEightDigits(dst, i - 8, (int) (value - high * 100_000_000L));
            value = high;
            i -= 8;
        }
        int head = (int) value;
        while (i - p >= 2) {
            final int high = head / 100;
            final int pair = head - high * 100;
            head = high;
            dst[--i] = DIGIT_PAIRS[2 * pair + 1];
            dst[--i] = DIGIT_PAIRS[2 * pair];
        }
        if (i > p) {
            dst[--i] = (byte) ('0' + head % 10);
        }
        return end;
    }

    private static void putEightDigits(byte[] dst, int p, int value) {
        for (int i = p + 6; i >= p; i -= 2) {
            final int high = value / 100;
            final int pair = value - high * 100;
            value = high;
            dst[i] = DIGIT_PAIRS[2 * pair];
            dst[i + 1] = DIGIT_PAIRS[2 * pair + 1];
        }
    }

    /** Writes the shortest exact decimal text of a {@link Decimals} mantissa; returns the index after. */
    static int putDecimal(byte[] dst, int p, long mantissa) {
        if (mantissa == Long.MIN_VALUE) {
            return put(dst, p, MIN_DECIMAL_TEXT);
        }
        if (mantissa < 0) {
            dst[p++] = '-';
            mantissa = -mantissa;
        }
        final long integer = mantissa / Decimals.ONE;
        long fraction = mantissa % Decimals.ONE;
        p = putZeroPadded(dst, p, integer, digitCount(integer));
        if (fraction != 0) {
            int digits = Decimals.SCALE;
            while (fraction % 10 == 0) {
                fraction /= 10;
                digits--;
            }
            dst[p++] = '.';
            p = putZeroPadded(dst, p, fraction, digits);
        }
        return p;
    }

    static int put(byte[] dst, int p, byte[] bytes) {
        System.arraycopy(bytes, 0, dst, p, bytes.length);
        return p + bytes.length;
    }
}
