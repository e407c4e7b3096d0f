package io.tickfan.server.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Proves the leak detection that guards every test class actually catches a leak. */
class LeakDetectionTest {
    private static final String MARKER = "deliberate-leak-" + System.nanoTime();

    @Test
    void shouldRecordABufferThatWasNeverReleased() {
        assertTrue(LeakRecorder.isTrackingBuffers(), "the recording detector must track ByteBufs");
        assertEquals(List.of(), LeakRecorder.collect(2), "no leak may be pending before this test");

        leakOneBuffer();

        final long deadline = System.nanoTime() + 15_000_000_000L;
        List<String> leaks = List.of();
        while (leaks.isEmpty() && System.nanoTime() < deadline) {
            leaks = LeakRecorder.collect(10);
        }
        final List<String> found = leaks;
        try {
            assertEquals(1, found.size(), () -> "expected exactly the deliberate leak, got " + LeakRecorder.leaks());
            assertTrue(found.get(0).contains(MARKER), () -> "the report must carry the buffer's last touch: " + found);
        } finally {
            LeakRecorder.clear();
        }
    }

    private static void leakOneBuffer() {
        final ByteBuf leaked = ByteBufAllocator.DEFAULT.directBuffer(128);
        leaked.writeLong(42);
        leaked.touch(MARKER);
    }
}
