package io.tickfan.server.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ShardEpochsTest {
    @Test
    void shouldUseTheShardEpochItselfWithOneShard() {
        assertEquals("k3x9", ShardEpochs.combine(new String[] {"k3x9"}));
    }

    @Test
    void shouldGiveEveryPodTheSameEngineEpochForTheSameShardEpochs() {
        final String a = ShardEpochs.combine(new String[] {"e0", "e1", "e2"});
        assertEquals(a, ShardEpochs.combine(new String[] {"e0", "e1", "e2"}));
        assertTrue(a.matches("[0-9a-z]{1,13}"), "base 36, no '-' (SSE ids are epoch-position): " + a);
    }

    @Test
    void shouldChangeTheEngineEpochWhenAnyShardEpochChangesOrMoves() {
        final String a = ShardEpochs.combine(new String[] {"e0", "e1", "e2"});
        assertNotEquals(a, ShardEpochs.combine(new String[] {"e0", "n1", "e2"}));
        assertNotEquals(a, ShardEpochs.combine(new String[] {"e1", "e0", "e2"}));
        // The separator keeps concatenations apart: "ab","c" is not "a","bc".
        assertNotEquals(ShardEpochs.combine(new String[] {"ab", "c"}), ShardEpochs.combine(new String[] {"a", "bc"}));
    }
}
