package io.tickfan.server.testing;

import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * After each test class: forces the leak detector to look (GC, then tracked allocations) and
 * fails the class if any {@code ByteBuf} leak was recorded, with Netty's access records in the
 * message. Auto-registered for every class through {@code META-INF/services} and {@code
 * junit.jupiter.extensions.autodetection.enabled}.
 *
 * <p>A leak found here may come from an earlier class in the same JVM whose buffer was collected
 * late; the records say where the buffer was last touched.
 */
public final class LeakCheckExtension implements AfterAllCallback {
    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getTestClass().map(c -> c.getEnclosingClass() != null).orElse(false)) {
            return; // nested classes are checked with their outer class
        }
        if (!LeakRecorder.isTrackingBuffers()) {
            throw new AssertionError("leak detection is not installed: a ByteBuf class was initialized before"
                    + " LeakReportingListener ran (is META-INF/services on the test class path?)");
        }
        final List<String> leaks = LeakRecorder.collect(3);
        if (!leaks.isEmpty()) {
            LeakRecorder.clear();
            throw new AssertionError(leaks.size() + " ByteBuf leak(s) detected:\n" + String.join("\n\n", leaks));
        }
    }
}
