package io.tickfan.server.fanout;

import java.util.Arrays;

/** The subscribers of one symbol on one event loop: an array iterated without an iterator. */
final class SubscriberList {
    Subscriber[] items = new Subscriber[4];
    int size;

    void add(Subscriber s) {
        if (size == items.length) {
            items = Arrays.copyOf(items, size * 2);
        }
        items[size++] = s;
    }

    /** O(n): subscriptions change rarely compared to deliveries. Order is not kept. */
    boolean remove(Subscriber s) {
        for (int i = 0; i < size; i++) {
            if (items[i] == s) {
                items[i] = items[--size];
                items[size] = null;
                return true;
            }
        }
        return false;
    }
}
