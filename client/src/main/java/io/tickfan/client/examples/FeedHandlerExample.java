package io.tickfan.client.examples;

import io.tickfan.client.ClientListener;
import io.tickfan.client.ClientOptions;
import io.tickfan.client.ClientTransport;
import io.tickfan.client.TickfanClient;
import io.tickfan.protocol.Decimals;
import io.tickfan.protocol.ServerMessage;
import io.tickfan.protocol.Tick;
import java.net.URI;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A minimal feed handler: connects with a token that has the {@code publisher} role and publishes
 * a quote for each symbol ten times a second, letting the server number the ticks. Run it with
 * {@code java -cp loadgen/target/tickfan-loadgen.jar io.tickfan.client.examples.FeedHandlerExample
 * ws://localhost:8080/ws $PUBLISHER_TOKEN AAPL MSFT}. A real feed handler maps its exchange's
 * messages onto {@link Tick} the same way, reusing the tick objects (they are flyweights).
 */
public final class FeedHandlerExample {
    private FeedHandlerExample() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: FeedHandlerExample WS_URL PUBLISHER_TOKEN SYMBOL...");
            System.exit(2);
        }
        final String[] symbols = java.util.Arrays.copyOfRange(args, 2, args.length);
        final CountDownLatch open = new CountDownLatch(1);
        try (ClientTransport transport = ClientTransport.create(1, true)) {
            final TickfanClient client =
                    new TickfanClient(transport, ClientOptions.of(URI.create(args[0]), args[1]), new ClientListener() {
                        @Override
                        public void onOpen(TickfanClient c, boolean reconnect) {
                            open.countDown();
                        }

                        @Override
                        public void onError(TickfanClient c, ServerMessage error) {
                            System.err.println("server refused a publish: " + error);
                        }
                    });
            client.connect();
            if (!open.await(10, TimeUnit.SECONDS)) {
                System.err.println("could not connect to " + args[0]);
                System.exit(1);
            }
            final Tick[] batch = new Tick[symbols.length];
            for (int i = 0; i < batch.length; i++) {
                batch[i] = new Tick();
            }
            long price = Decimals.parse("100.00");
            while (true) {
                price += Decimals.parse("0.01");
                for (int i = 0; i < symbols.length; i++) {
                    final Tick t = batch[i].clear();
                    t.symbol = symbols[i];
                    t.exchangeTimeNs = System.currentTimeMillis() * 1_000_000L;
                    t.bid = price;
                    t.ask = price + Decimals.parse("0.02");
                    t.bidSize = Decimals.ofUnits(300);
                    t.askSize = Decimals.ofUnits(200);
                    t.fieldMask = Tick.BID | Tick.ASK | Tick.BID_SIZE | Tick.ASK_SIZE;
                }
                if (!client.publish(batch, batch.length)) {
                    TimeUnit.MILLISECONDS.sleep(100); // reconnecting: the client backs off and resumes
                    continue;
                }
                TimeUnit.MILLISECONDS.sleep(100);
            }
        }
    }
}
