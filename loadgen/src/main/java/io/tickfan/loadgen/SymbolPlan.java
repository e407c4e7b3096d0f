package io.tickfan.loadgen;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Which of the S symbols each of the N clients subscribes to: K distinct ones, drawn uniformly or
 * by a Zipf law (symbol r has weight 1/r^s, so a few symbols are hot), from a fixed seed so runs
 * are repeatable.
 */
final class SymbolPlan {
    enum Distribution {
        uniform,
        zipf
    }

    final String[] symbols;
    final int[][] perClient;
    final int[] subscribers;

    private SymbolPlan(String[] symbols, int[][] perClient) {
        this.symbols = symbols;
        this.perClient = perClient;
        this.subscribers = new int[symbols.length];
        for (int[] ids : perClient) {
            for (int id : ids) {
                subscribers[id]++;
            }
        }
    }

    static String[] symbolNames(String prefix, int count) {
        final String[] names = new String[count];
        for (int i = 0; i < count; i++) {
            names[i] = count == 1 ? prefix : prefix + i;
        }
        return names;
    }

    static SymbolPlan create(
            String prefix, int symbolCount, int clients, int perClient, Distribution dist, double zipfS, long seed) {
        final String[] names = symbolNames(prefix, symbolCount);
        final SplittableRandom random = new SplittableRandom(seed);
        final double[] cumulative = new double[symbolCount];
        double sum = 0;
        for (int r = 0; r < symbolCount; r++) {
            sum += dist == Distribution.zipf ? 1.0 / Math.pow(r + 1, zipfS) : 1.0;
            cumulative[r] = sum;
        }
        final int[][] plan = new int[clients][];
        final boolean[] taken = new boolean[symbolCount];
        for (int c = 0; c < clients; c++) {
            final int[] ids = new int[perClient];
            if (perClient == symbolCount) {
                Arrays.setAll(ids, i -> i);
            } else {
                for (int k = 0; k < perClient; k++) {
                    int id;
                    do {
                        id = pick(cumulative, random.nextDouble() * cumulative[symbolCount - 1]);
                    } while (taken[id]);
                    taken[id] = true;
                    ids[k] = id;
                }
                for (int id : ids) {
                    taken[id] = false;
                }
            }
            plan[c] = ids;
        }
        return new SymbolPlan(names, plan);
    }

    private static int pick(double[] cumulative, double x) {
        int lo = 0;
        int hi = cumulative.length - 1;
        while (lo < hi) {
            final int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > x) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    List<String> symbolsOf(int client) {
        final List<String> out = new ArrayList<>(perClient[client].length);
        for (int id : perClient[client]) {
            out.add(symbols[id]);
        }
        return out;
    }

    long totalSubscriptions() {
        long n = 0;
        for (int s : subscribers) {
            n += s;
        }
        return n;
    }
}
