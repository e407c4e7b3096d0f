package io.tickfan.protocol;

import io.netty.buffer.ByteBuf;

/** Writes integers as ASCII digits straight into a buffer, without allocating. */
final class AsciiNumbers {
    private AsciiNumbers() {}

    static int digitCount(long value) {
        int digits = 1;
        long limit = 10;
        while (digits < 19 && value >= limit) {
            digits++;
            limit *= 10;
        }
        return digits;
    }

    /** Writes a signed long. */
    static void writeLong(ByteBuf out, long value) {
        if (value < 0) {
            if (value == Long.MIN_VALUE) {
                out.writeBytes("-9223372036854775808".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                return;
            }
            out.writeByte('-');
            value = -value;
        }
        writeZeroPadded(out, value, digitCount(value));
    }

    /** Writes a non-negative value in exactly {@code digits} digits, left-padded with zeros. */
    static void writeZeroPadded(ByteBuf out, long value, int digits) {
        out.ensureWritable(digits);
        final int start = out.writerIndex();
        for (int i = start + digits - 1; i >= start; i--) {
            out.setByte(i, (int) ('0' + value % 10));
            value /= 10;
        }
        out.writerIndex(start + digits);
    }
}
