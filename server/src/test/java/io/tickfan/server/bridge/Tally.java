package io.tickfan.server.bridge;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a drill's client got of ticks numbered {@code 0..total-1} by content ({@link
 * UniqueTickPublisher}): the numbers it never got and those it got more than once.
 */
record Tally(List<Integer> missing, List<Integer> twice) {
    static Tally of(List<Integer> got, int total) {
        final Map<Integer, Integer> times = new HashMap<>();
        for (int n : got) {
            times.merge(n, 1, Integer::sum);
        }
        final List<Integer> missing = new ArrayList<>();
        final List<Integer> twice = new ArrayList<>();
        for (int n = 0; n < total; n++) {
            final int k = times.getOrDefault(n, 0);
            if (k == 0) {
                missing.add(n);
            } else if (k > 1) {
                twice.add(n);
            }
        }
        return new Tally(missing, twice);
    }
}
