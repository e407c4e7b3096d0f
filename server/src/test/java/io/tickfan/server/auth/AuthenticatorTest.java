package io.tickfan.server.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import io.tickfan.server.testing.TestKeys;
import io.tickfan.server.testing.TestTokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The off-loop verification path: every {@link Authenticator#verify} answers exactly once, also
 * when the authenticator is closed with verifications queued or the caller's loop is gone. A
 * caller retains its request until the answer, so an answer that never comes is a leaked buffer.
 */
class AuthenticatorTest {
    private final TokenVerifier verifier = new TokenVerifier(
            TestTokens.SECRET.getBytes(StandardCharsets.UTF_8),
            TestKeys.rsaPublic(),
            TestKeys.ecPublic(),
            TestTokens.ISSUER,
            TestTokens.AUDIENCE,
            5);
    private final DefaultEventLoop loop = new DefaultEventLoop();

    @AfterEach
    void stopLoop() {
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static String distinctEs256(int i) {
        return TestTokens.builder()
                .subject("user-" + i)
                .expiresAt(Instant.now().plus(Duration.ofMinutes(5)))
                .es256();
    }

    @Test
    void shouldAnswerEveryQueuedVerificationWhenClosed() throws Exception {
        final int n = 64;
        final String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = distinctEs256(i);
        }
        final Authenticator authenticator = new Authenticator(verifier, 0, 1, n);
        final CountDownLatch answered = new CountDownLatch(n);
        final AtomicInteger busy = new AtomicInteger();
        for (String token : tokens) {
            authenticator.verify(token, loop, result -> {
                if (result.status() == 503) {
                    busy.incrementAndGet();
                }
                answered.countDown();
            });
        }
        // 64 ES256 verifications take about 100 ms on one thread: most are still queued here.
        authenticator.close();
        assertTrue(answered.await(10, TimeUnit.SECONDS), "unanswered verifications: " + answered.getCount());
        assertTrue(busy.get() > 0, "closing with a full queue should refuse the queued ones as busy");
    }

    @Test
    void shouldAnswerOnceWhenTheCallersLoopIsGone() throws Exception {
        final Authenticator authenticator = new Authenticator(verifier, 0, 1, 4);
        final DefaultEventLoop gone = new DefaultEventLoop();
        gone.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        final CountDownLatch answered = new CountDownLatch(1);
        final AtomicInteger calls = new AtomicInteger();
        authenticator.verify(distinctEs256(1), gone, result -> {
            calls.incrementAndGet();
            answered.countDown();
        });
        assertTrue(answered.await(10, TimeUnit.SECONDS), "the answer was lost with the loop");
        // The pool has one thread: once a later verification is answered, the first one's task has
        // run to its end, so a second answer to it would have come by now.
        final DefaultEventLoop live = new DefaultEventLoop();
        final CountDownLatch later = new CountDownLatch(1);
        authenticator.verify(distinctEs256(2), live, result -> later.countDown());
        assertTrue(later.await(10, TimeUnit.SECONDS), "the later verification was answered");
        live.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        assertEquals(1, calls.get());
        authenticator.close();
    }
}
