package io.tickfan.protocol;

/**
 * Writes one small JSON object to a string: control messages only (acks, errors, subscribes), never
 * a tick. A few string fields, numbers and flat arrays, written into one {@link StringBuilder}: no
 * generator, writer or buffer recycler per message, and little code for the JIT to compile on the
 * connection path, which a reconnect storm runs fifteen thousand times in a few seconds. Strings
 * are escaped as RFC 8259 requires ({@code "}, {@code \}, control characters; everything else as
 * is), which is what Jackson's default output does too.
 */
public final class JsonText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** Writes the fields of one JSON object. */
    @FunctionalInterface
    interface Body {
        void write(Writer w);
    }

    private JsonText() {}

    /** One object: {@code {}} around what {@code body} writes. */
    static String object(Body body) {
        final Writer w = new Writer();
        w.out.append('{');
        body.write(w);
        return w.out.append('}').toString();
    }

    /** The fields of an object, or the values of an array inside it; a comma before all but the first. */
    static final class Writer {
        final StringBuilder out = new StringBuilder(96);
        private boolean first = true;

        Writer writeStringField(String name, String value) {
            name(name);
            quote(out, value);
            return this;
        }

        Writer writeNumberField(String name, long value) {
            name(name);
            out.append(value);
            return this;
        }

        Writer writeString(String value) {
            comma();
            quote(out, value);
            return this;
        }

        Writer writeArrayFieldStart(String name) {
            return open(name, '[');
        }

        Writer writeEndArray() {
            return close(']');
        }

        Writer writeObjectFieldStart(String name) {
            return open(name, '{');
        }

        Writer writeEndObject() {
            return close('}');
        }

        private Writer open(String name, char bracket) {
            name(name);
            out.append(bracket);
            first = true;
            return this;
        }

        private Writer close(char bracket) {
            out.append(bracket);
            first = false;
            return this;
        }

        private void name(String name) {
            comma();
            quote(out, name);
            out.append(':');
        }

        private void comma() {
            if (!first) {
                out.append(',');
            }
            first = false;
        }
    }

    /** Appends {@code s} to {@code out} as a JSON string: quoted, with RFC 8259's escapes. */
    public static StringBuilder quote(StringBuilder out, String s) {
        out.append('"');
        int from = 0;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c >= 0x20 && c != '"' && c != '\\') {
                continue;
            }
            out.append(s, from, i);
            from = i + 1;
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.append(s, from, s.length()).append('"');
    }
}
