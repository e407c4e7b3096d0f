package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Fixed-point decimals for prices and sizes: a {@code long} mantissa with {@link #SCALE} implied
 * decimal places. Values are parsed from and written as plain decimal text, so a price survives
 * the wire exactly (no binary floating point anywhere on the path).
 *
 * <p>Range: |value| &lt;= 92,233,720,368.54775807 with at most 8 decimal places. Exponent notation
 * is rejected.
 */
public final class Decimals {
    /** Implied decimal places of every mantissa. */
    public static final int SCALE = 8;

    /** Ten to the power {@link #SCALE}: the mantissa of 1. */
    public static final long ONE = 100_000_000L;

    /** Returned by {@link #parse} for text that is not a decimal this codec accepts. */
    public static final long INVALID = Long.MIN_VALUE;

    private Decimals() {}

    /**
     * Parses {@code [-]digits[.digits]} into a mantissa.
     *
     * @return the mantissa, or {@link #INVALID} for empty text, a bad character, more than
     *     {@link #SCALE} decimals, exponent notation or overflow.
     */
    public static long parse(CharSequence text) {
        final int length = text.length();
        if (length == 0) {
            return INVALID;
        }
        int i = 0;
        boolean negative = false;
        if (text.charAt(0) == '-') {
            negative = true;
            i = 1;
        }
        long mantissa = 0;
        int integerDigits = 0;
        int fractionDigits = -1;
        for (; i < length; i++) {
            final char c = text.charAt(i);
            if (c == '.') {
                if (fractionDigits >= 0 || integerDigits == 0) {
                    return INVALID;
                }
                fractionDigits = 0;
                continue;
            }
            if (c < '0' || c > '9') {
                return INVALID;
            }
            if (fractionDigits >= 0) {
                if (++fractionDigits > SCALE) {
                    return INVALID;
                }
            } else {
                integerDigits++;
            }
            if (mantissa > (Long.MAX_VALUE - (c - '0')) / 10) {
                return INVALID;
            }
            mantissa = mantissa * 10 + (c - '0');
        }
        if (integerDigits == 0 || fractionDigits == 0) {
            return INVALID;
        }
        for (int k = Math.max(fractionDigits, 0); k < SCALE; k++) {
            if (mantissa > Long.MAX_VALUE / 10) {
                return INVALID;
            }
            mantissa *= 10;
        }
        return negative ? -mantissa : mantissa;
    }

    /** Mantissa of a whole number, for tests and feeds. */
    public static long ofUnits(long units) {
        return Math.multiplyExact(units, ONE);
    }

    /** Writes the shortest exact decimal text of {@code mantissa} (no trailing zeros, no exponent). */
    public static void write(ByteBuf out, long mantissa) {
        final byte[] scratch = AsciiNumbers.scratch();
        out.writeBytes(scratch, 0, AsciiNumbers.putDecimal(scratch, 0, mantissa));
    }

    /** The decimal text of {@code mantissa}, for logs, tests and clients; allocates. */
    public static String toString(long mantissa) {
        final ByteBuf buf = io.netty.buffer.Unpooled.buffer(24);
        try {
            write(buf, mantissa);
            return buf.toString(java.nio.charset.StandardCharsets.US_ASCII);
        } finally {
            buf.release();
        }
    }
}
