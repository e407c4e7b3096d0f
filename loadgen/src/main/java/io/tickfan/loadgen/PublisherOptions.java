package io.tickfan.loadgen;

import picocli.CommandLine.Option;

/** Options of the paced publisher. */
final class PublisherOptions {
    @Option(
            names = "--rate",
            paramLabel = "R",
            description = "Ticks per second published, over all symbols (round-robin).")
    Double rate;

    @Option(
            names = "--publishers",
            paramLabel = "P",
            description =
                    "Publisher connections (symbols are split among them; one symbol always uses the same one). Default: ${DEFAULT-VALUE}.",
            defaultValue = "1")
    int publishers;

    @Option(
            names = "--batch",
            paramLabel = "N",
            description =
                    "Most ticks in one publish message (ticks due at the same moment share one). Default: ${DEFAULT-VALUE}.",
            defaultValue = "500")
    int batch;

    @Option(
            names = "--own-seq",
            description = "Number ticks in the publisher (from --seq-start) instead of letting the server do it.")
    boolean ownSeq;

    @Option(
            names = "--seq-start",
            paramLabel = "N",
            description =
                    "First seq with --own-seq; must be above the server's last seq of each symbol. Default: now in microseconds.")
    Long seqStart;

    @Option(
            names = "--seq-hole-every",
            paramLabel = "N",
            description =
                    "With --own-seq: skip one seq number after every N ticks of a symbol, to check that gaps are reported. Default: ${DEFAULT-VALUE} (never).",
            defaultValue = "0")
    long seqHoleEvery;

    void validate(picocli.CommandLine cl) {
        Checks.positive(cl, "--rate", rate);
        Checks.atLeast(cl, "--publishers", publishers, 1);
        Checks.atLeast(cl, "--batch", batch, 1);
        if (batch > io.tickfan.protocol.ProtocolLimits.DEFAULTS.maxTicksPerPublish()) {
            throw new picocli.CommandLine.ParameterException(
                    cl,
                    "--batch cannot exceed the protocol's "
                            + io.tickfan.protocol.ProtocolLimits.DEFAULTS.maxTicksPerPublish() + " ticks per publish");
        }
        Checks.atLeast(cl, "--seq-hole-every", seqHoleEvery, 0);
        if (seqHoleEvery > 0 && !ownSeq) {
            throw new picocli.CommandLine.ParameterException(cl, "--seq-hole-every needs --own-seq");
        }
        if (seqStart != null) {
            Checks.atLeast(cl, "--seq-start", seqStart, 1);
        }
    }

    long seqStart() {
        return seqStart != null ? seqStart : System.currentTimeMillis() * 1000;
    }

    Publisher create(io.tickfan.client.ClientTransport transport, CommonOptions common, String[] symbols) {
        return new Publisher(
                transport,
                common.urls,
                common.publisherToken(),
                publishers,
                symbols,
                batch,
                ownSeq,
                seqStart(),
                seqHoleEvery);
    }
}
