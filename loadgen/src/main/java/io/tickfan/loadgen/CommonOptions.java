package io.tickfan.loadgen;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command takes: where to connect, how to authenticate, threads, outputs. */
final class CommonOptions {
    @Option(
            names = "--url",
            paramLabel = "URL",
            description =
                    "WebSocket endpoint; repeat for several pods: client i starts on pod i mod P and fails over to the"
                            + " others in turn when an attempt fails. Default: ${DEFAULT-VALUE}.",
            defaultValue = "ws://127.0.0.1:8080/ws",
            split = ",")
    List<URI> urls = new ArrayList<>();

    @Option(
            names = "--token",
            paramLabel = "JWT",
            description =
                    "Bearer token for every connection (publishers need the 'publisher' role). Default: $TICKFAN_TOKEN.",
            defaultValue = "${env:TICKFAN_TOKEN}")
    String token;

    @Option(
            names = "--secret",
            paramLabel = "SECRET",
            description =
                    "HS256 secret of the server: loadgen mints its own tokens (publishers get the 'publisher' role). Default: $TICKFAN_SECRET.",
            defaultValue = "${env:TICKFAN_SECRET}")
    String secret;

    @Option(
            names = "--threads",
            paramLabel = "N",
            description = "Event-loop threads shared by all connections; 0 = one per core. Default: ${DEFAULT-VALUE}.",
            defaultValue = "0")
    int threads;

    @Option(names = "--nio", description = "Use the NIO transport even where native epoll is available.")
    boolean nio;

    @Option(
            names = "--connections-per-source",
            paramLabel = "N",
            description = "On a loopback target, at most N connections per source address: a larger fleet is spread"
                    + " over 127.0.0.1, 127.0.0.2, ... in turn, each connection's port left to the kernel's connect"
                    + " (many connections from one address to one server port make every connect search the"
                    + " ephemeral port range). Default: ${DEFAULT-VALUE}.",
            defaultValue = "2000")
    int connectionsPerSource;

    @Option(
            names = "--report-dir",
            paramLabel = "DIR",
            description = "Where report.json, latency.hlog and report.html go. Default: reports/<command>-<time>.")
    Path reportDir;

    @Option(
            names = "--server-pid",
            paramLabel = "PID",
            description = "Process id of a server on this machine, to report its CPU time over the run.",
            defaultValue = "0")
    long serverPid;

    @Option(names = "--quiet", description = "No progress line.")
    boolean quiet;

    @Option(
            names = "--strict",
            description =
                    "Exit with code 3 when the run fails its checks (missing ticks, gaps, p99 over budget); a failed storm drill always does.")
    boolean strict;

    @Option(
            names = "--connect-timeout",
            paramLabel = "DURATION",
            description = "How long to wait for all connections (and their subscriptions). Default: ${DEFAULT-VALUE}.",
            defaultValue = "60s",
            converter = DurationConverter.class)
    Duration connectTimeout;

    @Option(
            names = "--distinct-tokens",
            description = "Mint a different subscriber token for every connection (subject loadgen-subscriber-<i>), so"
                    + " the server's verification cache cannot help: cold upgrades. Needs --secret, or --sign-key.")
    boolean distinctTokens;

    @Option(
            names = "--sign-alg",
            paramLabel = "ALG",
            description = "With --distinct-tokens: HS256 (with --secret), RS256 or ES256 (with --sign-key)."
                    + " Default: ${DEFAULT-VALUE}.",
            defaultValue = "HS256")
    String signAlg;

    @Option(
            names = "--sign-key",
            paramLabel = "PEM",
            description = "With --distinct-tokens and RS256/ES256: the PKCS#8 PEM private key to sign with.")
    Path signKey;

    /** The token of subscriber {@code i}: one token for all, or one each with --distinct-tokens. */
    java.util.function.IntFunction<String> subscriberTokens() {
        if (!distinctTokens) {
            final String shared = subscriberToken();
            return i -> shared;
        }
        final com.auth0.jwt.algorithms.Algorithm algorithm;
        try {
            algorithm = Tokens.algorithm(signAlg, secret, signKey);
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot sign " + signAlg + " tokens: " + e.getMessage(), e);
        }
        return i -> Tokens.mint(algorithm, "loadgen-subscriber-" + i, Duration.ofHours(12));
    }

    String subscriberToken() {
        return token != null && !token.isBlank()
                ? token
                : Tokens.mint(secret, "loadgen-subscriber", false, Duration.ofHours(12));
    }

    String publisherToken() {
        return token != null && !token.isBlank()
                ? token
                : Tokens.mint(secret, "loadgen-publisher", true, Duration.ofHours(12));
    }

    void validate(picocli.CommandLine cl) {
        final boolean hasToken = token != null && !token.isBlank();
        final boolean hasSecret = secret != null && !secret.isBlank();
        if (!hasToken && !hasSecret) {
            throw new picocli.CommandLine.ParameterException(
                    cl, "no credentials: give --token JWT or --secret SECRET (or set TICKFAN_TOKEN / TICKFAN_SECRET)");
        }
        for (URI u : urls) {
            if (!"ws".equals(u.getScheme()) || u.getHost() == null) {
                throw new picocli.CommandLine.ParameterException(
                        cl, "--url must look like ws://host:port/ws, got: " + u);
            }
        }
        if (distinctTokens) {
            if (!java.util.List.of("HS256", "RS256", "ES256").contains(signAlg)) {
                throw new picocli.CommandLine.ParameterException(
                        cl, "--sign-alg must be HS256, RS256 or ES256, got " + signAlg);
            }
            if ("HS256".equals(signAlg) ? !hasSecret : signKey == null) {
                throw new picocli.CommandLine.ParameterException(
                        cl,
                        "--distinct-tokens with " + signAlg + " needs "
                                + ("HS256".equals(signAlg) ? "--secret" : "--sign-key PEM"));
            }
        }
        Checks.atLeast(cl, "--threads", threads, 0);
        Checks.atLeast(cl, "--connections-per-source", connectionsPerSource, 1);
    }
}
