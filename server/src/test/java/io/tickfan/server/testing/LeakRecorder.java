package io.tickfan.server.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Records every leak Netty's {@link ResourceLeakDetector} reports, so a test can fail on it instead
 * of a log line scrolling past. {@link #install()} must run before any {@code ByteBuf} class
 * initializes (each buffer class takes its detector from the factory once, in a static field):
 * {@link LeakReportingListener} does it when the JUnit launcher session opens.
 *
 * <p>Netty finds a leak only when a leaked buffer has been garbage collected and a later
 * allocation polls the reference queue; {@link #collect} forces both.
 */
public final class LeakRecorder {
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final Set<String> TRACKED_TYPES = ConcurrentHashMap.newKeySet();
    private static volatile boolean installed;

    private LeakRecorder() {}

    /** Installs the recording detector factory; idempotent. */
    public static synchronized void install() {
        if (!installed) {
            ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
            installed = true;
        }
    }

    /**
     * Whether buffers are tracked by a recording detector: false if a {@code ByteBuf} class was
     * initialized before {@link #install()} (then leaks would only be logged).
     */
    public static boolean isTrackingBuffers() {
        // Touch the buffer classes so their detectors exist before we look.
        Unpooled.buffer(1).release();
        return installed && TRACKED_TYPES.contains(ByteBuf.class.getSimpleName());
    }

    /** Leaks recorded so far (not cleared). */
    public static List<String> leaks() {
        return List.copyOf(LEAKS);
    }

    /** Forgets recorded leaks (after a test that leaks on purpose). */
    public static void clear() {
        LEAKS.clear();
    }

    /**
     * Forces garbage collection and buffer allocations for about {@code rounds} rounds, so that
     * leaked buffers already unreachable get reported, and returns what has been recorded.
     */
    public static List<String> collect(int rounds) {
        for (int i = 0; i < rounds && LEAKS.isEmpty(); i++) {
            System.gc();
            // The reference handler thread enqueues collected trackers shortly after the GC.
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            pollDetectors();
        }
        return leaks();
    }

    /** Each tracked allocation drains the detector's queue of collected, unreleased buffers. */
    private static void pollDetectors() {
        final List<ByteBuf> buffers = new ArrayList<>();
        for (ByteBufAllocator alloc : new ByteBufAllocator[] {
            ByteBufAllocator.DEFAULT,
            PooledByteBufAllocator.DEFAULT,
            Unpooled.buffer(0).alloc()
        }) {
            for (int i = 0; i < 8; i++) {
                buffers.add(alloc.directBuffer(64));
                buffers.add(alloc.heapBuffer(64));
            }
        }
        buffers.forEach(ByteBuf::release);
    }

    @SuppressWarnings("deprecation") // the factory's only abstract method is the deprecated three-argument one
    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(
                Class<T> resource, int samplingInterval, long maxActive) {
            TRACKED_TYPES.add(resource.getSimpleName());
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<?> resourceType, int samplingInterval) {
            super(resourceType, samplingInterval);
        }

        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            LEAKS.add(resourceType + " leaked:" + records);
            super.reportTracedLeak(resourceType, records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            LEAKS.add(resourceType + " leaked (no access records)");
            super.reportUntracedLeak(resourceType);
        }
    }
}
