package io.tickfan.bench;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.tickfan.bench.support.Forks;
import io.tickfan.server.auth.AuthResult;
import io.tickfan.server.auth.Authenticator;
import io.tickfan.server.auth.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Full JWT verification at the upgrade (decode, signature, claims, principal), per algorithm. The
 * price of a reconnect storm without a cache.
 *
 * <p>{@link #cacheHit()} is what a reconnect storm pays per upgrade once a token is cached: the
 * SHA-256 of the token and a map lookup, whatever the algorithm.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
        value = 1,
        jvmArgsAppend = {Forks.ADD_EXPORTS, Forks.AGRONA_EXPORT, Forks.NO_LEAK_DETECTION})
public class TokenVerifierBench {
    private TokenVerifier verifier;
    private Authenticator authenticator;
    String hs256Token;
    private String rs256Token;
    private String es256Token;

    @Setup
    public void setUp() throws Exception {
        final byte[] secret = "a-benchmark-secret-of-at-least-32-bytes!".getBytes(StandardCharsets.US_ASCII);
        final KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        final KeyPair rsa = rsaGen.generateKeyPair();
        final KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(new ECGenParameterSpec("secp256r1"));
        final KeyPair ec = ecGen.generateKeyPair();
        verifier = new TokenVerifier(
                secret, (RSAPublicKey) rsa.getPublic(), (ECPublicKey) ec.getPublic(), "tickfan", "frontends", 30);
        hs256Token = token(Algorithm.HMAC256(secret));
        rs256Token = token(Algorithm.RSA256((RSAPublicKey) rsa.getPublic(), (RSAPrivateKey) rsa.getPrivate()));
        es256Token = token(Algorithm.ECDSA256((ECPublicKey) ec.getPublic(), (ECPrivateKey) ec.getPrivate()));
        for (String t : new String[] {hs256Token, rs256Token, es256Token}) {
            if (!verifier.verify(t).isOk()) {
                throw new IllegalStateException("benchmark token rejected: " + verifier.verify(t));
            }
        }
        authenticator = new Authenticator(verifier, 1024, 1, 16);
        if (!authenticator.verifyNow(es256Token).isOk()) {
            throw new IllegalStateException("benchmark token rejected by the authenticator");
        }
    }

    @TearDown
    public void tearDown() {
        authenticator.close();
    }

    private static String token(Algorithm alg) {
        return JWT.create()
                .withIssuer("tickfan")
                .withAudience("frontends")
                .withSubject("trader-42")
                .withExpiresAt(Instant.now().plus(1, ChronoUnit.DAYS))
                .withArrayClaim("sym", new String[] {"AAPL", "MSFT", "EUR*"})
                .sign(alg);
    }

    @Benchmark
    public AuthResult hs256() {
        return verifier.verify(hs256Token);
    }

    @Benchmark
    public AuthResult rs256() {
        return verifier.verify(rs256Token);
    }

    @Benchmark
    public AuthResult es256() {
        return verifier.verify(es256Token);
    }

    @Benchmark
    public AuthResult cacheHit() {
        return authenticator.verifyNow(es256Token);
    }
}
