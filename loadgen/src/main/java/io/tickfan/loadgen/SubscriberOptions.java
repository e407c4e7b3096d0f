package io.tickfan.loadgen;

import picocli.CommandLine.Option;

/** Options of the subscribing fleet. Null means "the command's (or preset's) default". */
final class SubscriberOptions {
    @Option(names = "--clients", paramLabel = "N", description = "Subscribing WebSocket connections.")
    Integer clients;

    @Option(
            names = "--symbols",
            paramLabel = "S",
            description = "Symbols in play (named <prefix>0..<prefix>S-1; one symbol is just <prefix>).")
    Integer symbols;

    @Option(
            names = "--per-client",
            paramLabel = "K",
            description = "Distinct symbols each client subscribes to (K <= S).")
    Integer perClient;

    @Option(
            names = "--distribution",
            paramLabel = "D",
            description = "How clients pick their K symbols: ${COMPLETION-CANDIDATES}. Default: ${DEFAULT-VALUE}.",
            defaultValue = "uniform")
    SymbolPlan.Distribution distribution;

    @Option(
            names = "--zipf-exponent",
            paramLabel = "X",
            description =
                    "Exponent of the zipf distribution (symbol of rank r has weight 1/r^X). Default: ${DEFAULT-VALUE}.",
            defaultValue = "1.0")
    double zipfExponent;

    @Option(
            names = "--symbol-prefix",
            paramLabel = "P",
            description = "Prefix of the symbol names. Default: ${DEFAULT-VALUE}.",
            defaultValue = "LG")
    String symbolPrefix;

    @Option(
            names = "--seed",
            paramLabel = "N",
            description = "Seed of the symbol assignment. Default: ${DEFAULT-VALUE}.",
            defaultValue = "42")
    long seed;

    @Option(
            names = "--connect-rate",
            paramLabel = "N",
            description =
                    "New connections per second while setting up; 0 = as fast as possible. Default: ${DEFAULT-VALUE}.",
            defaultValue = "2000")
    int connectRate;

    @Option(
            names = "--max-hz",
            paramLabel = "N",
            description =
                    "Ask the server to cap each subscription at N ticks/s (conflation); 0 = no cap. Default: ${DEFAULT-VALUE}.",
            defaultValue = "0")
    int maxHz;

    enum Transport {
        ws,
        ws_bin,
        sse_h2,
        sse_h1;

        static Transport parse(String text) {
            return switch (text) {
                case "ws" -> ws;
                case "ws-bin" -> ws_bin;
                case "sse-h2" -> sse_h2;
                case "sse-h1" -> sse_h1;
                default ->
                    throw new IllegalArgumentException("expected ws, ws-bin, sse-h2 or sse-h1, got '" + text + "'");
            };
        }

        /** A WebSocket transport (JSON or binary ticks), as opposed to SSE. */
        boolean webSocket() {
            return this == ws || this == ws_bin;
        }
    }

    @Option(
            names = "--transport",
            paramLabel = "T",
            description = "How subscribers connect: ws (WebSocket), ws-bin (WebSocket with binary ticks,"
                    + " subprotocol tickfan.v1.bin), sse-h2 (SSE over h2c with prior knowledge,"
                    + " --streams-per-connection streams on each connection) or sse-h1 (SSE over HTTP/1.1, one"
                    + " connection per subscriber). Default: ${DEFAULT-VALUE}.",
            defaultValue = "ws",
            converter = TransportConverter.class)
    Transport transport;

    @Option(
            names = "--streams-per-connection",
            paramLabel = "M",
            description = "With --transport sse-h2: SSE streams per HTTP/2 connection (the server allows"
                    + " http2.maxConcurrentStreams, 1000 by default). Default: ${DEFAULT-VALUE}.",
            defaultValue = "100")
    int streamsPerConnection;

    static final class TransportConverter implements picocli.CommandLine.ITypeConverter<Transport> {
        @Override
        public Transport convert(String value) {
            return Transport.parse(value);
        }
    }

    void validate(picocli.CommandLine cl) {
        Checks.atLeast(cl, "--streams-per-connection", streamsPerConnection, 1);
        if (transport == null) {
            transport = Transport.ws;
        }
        if (!transport.webSocket() && maxHz > 0) {
            throw new picocli.CommandLine.ParameterException(cl, "--max-hz needs --transport ws or ws-bin");
        }
        Checks.atLeast(cl, "--clients", clients, 1);
        Checks.atLeast(cl, "--symbols", symbols, 1);
        Checks.atLeast(cl, "--per-client", perClient, 1);
        if (perClient > symbols) {
            throw new picocli.CommandLine.ParameterException(
                    cl, "--per-client (" + perClient + ") cannot exceed --symbols (" + symbols + ")");
        }
        Checks.atLeast(cl, "--connect-rate", connectRate, 0);
        Checks.atLeast(cl, "--max-hz", maxHz, 0);
        Checks.positive(cl, "--zipf-exponent", zipfExponent);
        if (!io.tickfan.protocol.Symbols.isValid(symbolPrefix + (symbols - 1))) {
            throw new picocli.CommandLine.ParameterException(
                    cl,
                    "--symbol-prefix '" + symbolPrefix
                            + "' does not make valid symbols (A-Z a-z 0-9 . _ - : / ^, at most 32)");
        }
    }

    void defaults(int clientsDefault, int symbolsDefault, int perClientDefault) {
        if (clients == null) {
            clients = clientsDefault;
        }
        if (symbols == null) {
            symbols = symbolsDefault;
        }
        if (perClient == null) {
            perClient = Math.min(perClientDefault, symbols);
        }
    }

    SymbolPlan plan() {
        return SymbolPlan.create(symbolPrefix, symbols, clients, perClient, distribution, zipfExponent, seed);
    }
}
