package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SubscriptionMapTest {
    private static final int MISSING = 0;

    @Test
    void shouldPutGetAndRemove() {
        final SubscriptionMap m = new SubscriptionMap(MISSING);
        assertTrue(m.isEmpty());
        assertEquals(MISSING, m.get(7));
        assertEquals(MISSING, m.put(7, 1));
        assertEquals(1, m.put(7, 2), "replacing answers the previous value");
        assertEquals(2, m.get(7));
        assertEquals(1, m.size());
        assertEquals(MISSING, m.remove(8));
        assertEquals(2, m.remove(7));
        assertEquals(MISSING, m.get(7));
        assertTrue(m.isEmpty());
    }

    @Test
    void shouldTakeKeyZeroAndTheLargestKey() {
        final SubscriptionMap m = new SubscriptionMap(MISSING);
        m.put(0, 1);
        m.put(Integer.MAX_VALUE - 1, 2);
        assertEquals(1, m.get(0));
        assertEquals(2, m.get(Integer.MAX_VALUE - 1));
        assertThrows(IllegalArgumentException.class, () -> m.put(-1, 1));
        assertThrows(IllegalArgumentException.class, () -> m.put(Integer.MAX_VALUE, 1));
        assertThrows(IllegalArgumentException.class, () -> m.put(3, MISSING));
    }

    /** -1 is what an unknown symbol resolves to: never stored, so never found nor removed. */
    @Test
    void shouldFindAndRemoveNothingForANegativeKey() {
        final SubscriptionMap m = new SubscriptionMap(-7);
        m.put(3, 1);
        assertEquals(-7, m.get(-1));
        assertEquals(-7, m.remove(-1));
        assertEquals(1, m.size());
        assertArrayEquals(new int[] {3}, m.keys());
    }

    @Test
    void shouldGrowAndListEveryKey() {
        final SubscriptionMap m = new SubscriptionMap(MISSING);
        for (int k = 0; k < 1000; k++) {
            m.put(k * 17, 1 + (k & 1));
        }
        assertEquals(1000, m.size());
        final int[] keys = m.keys();
        java.util.Arrays.sort(keys);
        final int[] expected = new int[1000];
        for (int k = 0; k < 1000; k++) {
            expected[k] = k * 17;
            assertEquals(1 + (k & 1), m.get(k * 17));
        }
        assertArrayEquals(expected, keys);
    }

    /** Random operations, checked against a HashMap after each; small key ranges force long runs and wrap-around. */
    @Test
    void shouldAgreeWithAHashMapUnderRandomOperations() {
        final SplittableRandom random = new SplittableRandom(42);
        for (int keyRange : new int[] {3, 8, 40, 5000}) {
            final SubscriptionMap m = new SubscriptionMap(MISSING);
            final Map<Integer, Integer> reference = new HashMap<>();
            for (int op = 0; op < 50_000; op++) {
                final int key = random.nextInt(keyRange);
                if (random.nextInt(3) == 0) {
                    final Integer was = reference.remove(key);
                    assertEquals(was == null ? MISSING : was, m.remove(key));
                } else {
                    final int value = 1 + random.nextInt(2);
                    final Integer was = reference.put(key, value);
                    assertEquals(was == null ? MISSING : was, m.put(key, value));
                }
                assertEquals(reference.size(), m.size());
                if (op % 97 == 0) {
                    for (int k = 0; k < Math.min(keyRange, 200); k++) {
                        assertEquals(reference.getOrDefault(k, MISSING), m.get(k), "key " + k);
                    }
                }
            }
            for (Map.Entry<Integer, Integer> entry : reference.entrySet()) {
                assertEquals(entry.getValue(), m.get(entry.getKey()));
            }
            assertEquals(reference.size(), m.keys().length);
        }
    }
}
