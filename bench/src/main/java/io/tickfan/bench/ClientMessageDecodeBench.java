package io.tickfan.bench;

import io.tickfan.bench.support.Forks;
import io.tickfan.protocol.ClientMessage;
import io.tickfan.protocol.ClientMessageDecoder;
import io.tickfan.protocol.ProtocolException;
import io.tickfan.protocol.ProtocolLimits;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding client messages. Not the per-delivery hot path (decoding allocates strings and lists
 * by design), but {@code publish} is per tick for publishers that go through WebSocket.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Forks.ADD_EXPORTS, Forks.AGRONA_EXPORT, Forks.NO_LEAK_DETECTION})
public class ClientMessageDecodeBench {
    private static final byte[] SUBSCRIBE =
            ("{\"op\":\"subscribe\",\"id\":\"7\",\"symbols\":[\"AAPL\",\"MSFT\",\"EURUSD\"],"
                            + "\"since\":{\"AAPL\":41,\"MSFT\":1200},\"epoch\":\"k3j2h1\"}")
                    .getBytes(StandardCharsets.UTF_8);
    private static final byte[] PUBLISH =
            ("{\"op\":\"publish\",\"ticks\":[{\"sym\":\"AAPL\",\"ts\":1732356000123456789,"
                            + "\"bid\":189.12,\"ask\":189.14,\"bsz\":300,\"asz\":200,\"last\":189.13,\"lsz\":100}]}")
                    .getBytes(StandardCharsets.UTF_8);

    private final ClientMessageDecoder decoder = new ClientMessageDecoder(ProtocolLimits.DEFAULTS);

    @Benchmark
    public ClientMessage subscribe() throws ProtocolException {
        return decoder.decode(SUBSCRIBE, 0, SUBSCRIBE.length);
    }

    @Benchmark
    public ClientMessage publishOneTick() throws ProtocolException {
        return decoder.decode(PUBLISH, 0, PUBLISH.length);
    }
}
