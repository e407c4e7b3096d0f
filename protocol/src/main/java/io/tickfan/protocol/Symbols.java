package io.tickfan.protocol;

/**
 * The symbol alphabet: 1 to {@link #MAX_LENGTH} characters from {@code A-Z a-z 0-9 . _ - : / ^}.
 * Symbols are case-sensitive. The alphabet needs no JSON escaping, so a symbol's bytes are written
 * to the wire as they are.
 */
public final class Symbols {
    /** Longest symbol, in characters (every character is one byte). */
    public static final int MAX_LENGTH = 32;

    private Symbols() {}

    /** Whether {@code symbol} is a valid symbol. */
    public static boolean isValid(CharSequence symbol) {
        final int length = symbol.length();
        if (length == 0 || length > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            if (!isSymbolChar(symbol.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    static boolean isSymbolChar(char c) {
        return (c >= 'A' && c <= 'Z')
                || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9')
                || c == '.'
                || c == '_'
                || c == '-'
                || c == ':'
                || c == '/'
                || c == '^';
    }
}
