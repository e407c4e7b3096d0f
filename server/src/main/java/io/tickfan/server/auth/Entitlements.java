package io.tickfan.server.auth;

import java.util.List;

/**
 * The symbols a token lets its holder subscribe to, from the {@code sym} claim: exact symbols,
 * prefixes ending in {@code *} ({@code "FX.*"}), or {@code "*"} for all. A token without the claim
 * is entitled to every symbol.
 */
public final class Entitlements {
    public static final Entitlements ALL = new Entitlements(List.of("*"));

    private final String[] exact;
    private final String[] prefixes;
    private final boolean all;

    private Entitlements(List<String> given) {
        // An empty pattern names no symbol (symbols have 1 to 32 characters): it grants nothing.
        final List<String> patterns =
                given.stream().filter(p -> p != null && !p.isEmpty()).toList();
        this.all = patterns.contains("*");
        this.exact = patterns.stream().filter(p -> !p.endsWith("*")).toArray(String[]::new);
        this.prefixes = patterns.stream()
                .filter(p -> p.endsWith("*") && p.length() > 1)
                .map(p -> p.substring(0, p.length() - 1))
                .toArray(String[]::new);
    }

    public static Entitlements of(List<String> patterns) {
        return new Entitlements(patterns);
    }

    /** Whether the holder may subscribe to {@code symbol}. */
    public boolean allows(String symbol) {
        if (all) {
            return true;
        }
        for (String e : exact) {
            if (e.equals(symbol)) {
                return true;
            }
        }
        for (String p : prefixes) {
            if (symbol.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    /** Whether no symbol at all is allowed. */
    public boolean isEmpty() {
        return !all && exact.length == 0 && prefixes.length == 0;
    }
}
