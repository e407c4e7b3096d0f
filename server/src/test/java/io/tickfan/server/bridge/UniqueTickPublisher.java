package io.tickfan.server.bridge;

import io.tickfan.server.TickfanServer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The drills' feed: ticks unique by content ({@link BridgeRestartDrillIT#unique}), round-robin over
 * the symbols, published on one pod by a thread of its own at a bounded pace, plus bursts on
 * demand. Counts what it published, so a drill can check every tick arrived exactly once.
 */
final class UniqueTickPublisher {
    private final TickfanServer pod;
    private final String[] symbols;
    private final AtomicBoolean publishing = new AtomicBoolean(true);
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicInteger published = new AtomicInteger();
    private final Thread thread;

    /** Starts publishing on {@code pod}, one tick every {@code tickEveryNs} at most. */
    UniqueTickPublisher(TickfanServer pod, String[] symbols, long tickEveryNs, String threadName) {
        this.pod = pod;
        this.symbols = symbols;
        this.thread = new Thread(
                () -> {
                    long at = System.nanoTime();
                    while (publishing.get()) {
                        publishOne();
                        at += tickEveryNs;
                        LockSupport.parkNanos(at - System.nanoTime());
                    }
                },
                threadName);
        thread.start();
    }

    /** Publishes the next unique tick now, from the calling thread. */
    void publishOne() {
        final int n = next.getAndIncrement();
        Pods.publish(pod, BridgeRestartDrillIT.unique(symbols[n % symbols.length], n));
        published.incrementAndGet();
    }

    /** Ticks published so far. */
    int published() {
        return published.get();
    }

    /** Stops the paced thread and waits for it. */
    void stop() throws InterruptedException {
        publishing.set(false);
        thread.join();
    }
}
