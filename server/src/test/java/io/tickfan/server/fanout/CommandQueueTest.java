package io.tickfan.server.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.tickfan.protocol.ClientMessage;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code fanout.commandQueueCapacity} bounds the subscribes queued to the sequencer: past it a
 * subscribe is refused ({@link FanoutEngine#OVERLOADED}) without changing the subscriber, never
 * blocking its loop; unsubscribes still queue (dropping one would corrupt interest counts).
 */
class CommandQueueTest {
    private static final int CAPACITY = 2;

    private MultiThreadIoEventLoopGroup loops;
    private FanoutEngine engine;
    private LoopDispatcher dispatcher;

    @BeforeEach
    void create() {
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        // Not started yet: nothing drains the command queue until the test starts the sequencer.
        engine = new FanoutEngine(loops, new EngineSettings(64, 1 << 16, 1024, 256, 16, 60_000, 1, CAPACITY, 64));
        dispatcher = engine.dispatcher(loops.next());
    }

    @AfterEach
    void stop() throws Exception {
        engine.close();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @Test
    void shouldRefuseASubscribePastTheCapacityAndTakeItOnceTheQueueDrained() throws Exception {
        final int id = engine.symbols().register("CQ");
        final AlwaysWritableSink a = new Recorder();
        final AlwaysWritableSink b = new Recorder();
        final AlwaysWritableSink c = new Recorder();
        assertEquals(FanoutEngine.SUBSCRIBED, onLoop(() -> subscribe(a, id)));
        assertEquals(FanoutEngine.SUBSCRIBED, onLoop(() -> subscribe(b, id)));
        assertEquals(FanoutEngine.OVERLOADED, onLoop(() -> subscribe(c, id)));
        assertEquals(
                0,
                (int) onLoop(c.subscriber::subscriptionCount),
                "a refused subscribe leaves the subscriber unchanged");

        // An unsubscribe is never refused, full queue or not.
        onLoop(() -> {
            engine.unsubscribe(a.subscriber, dispatcher, id);
            return null;
        });
        assertEquals(0, (int) onLoop(a.subscriber::subscriptionCount));

        engine.start();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int result;
        while ((result = onLoop(() -> subscribe(c, id))) == FanoutEngine.OVERLOADED) {
            assertEquals(true, System.nanoTime() < deadline, "the sequencer drains the queue");
            TimeUnit.MILLISECONDS.sleep(5);
        }
        assertEquals(FanoutEngine.SUBSCRIBED, result);
    }

    @Test
    void shouldRejectANonPositiveCapacity() {
        assertThrows(
                IllegalArgumentException.class, () -> new EngineSettings(64, 1 << 16, 1024, 256, 16, 60_000, 1, 0, 64));
    }

    private int subscribe(AlwaysWritableSink s, int id) {
        return engine.subscribe(
                s.subscriber, dispatcher, new int[] {id}, new long[] {ClientMessage.NO_SINCE}, null, true, null);
    }

    private <T> T onLoop(Callable<T> task) throws Exception {
        return dispatcher.eventLoop().submit(task).get(10, TimeUnit.SECONDS);
    }

    private static final class Recorder extends AlwaysWritableSink {
        @Override
        protected void deliver(EncodedTick tick) {}

        @Override
        protected void deliverConflated(EncodedTick tick) {}
    }
}
