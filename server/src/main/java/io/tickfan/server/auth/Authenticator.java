package io.tickfan.server.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.exceptions.JWTDecodeException;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Token checks that never stall an event loop: a cache hit or an HS256 token (about 5 us) is
 * answered inline; RS256 and ES256 (50 us and 1.5 ms) go to a small pool of verifier threads
 * whose queue is bounded, and the answer comes back on the caller's event loop. A verified token
 * is cached until its expiry, so a storm of reconnects with the same tokens verifies each once.
 */
public final class Authenticator implements AutoCloseable {
    private final TokenVerifier verifier;
    private final VerifiedTokenCache cache;
    private final ThreadPoolExecutor pool;
    private final AtomicLong verifications = new AtomicLong();

    /**
     * @param cacheEntries bound of the verified-token cache (0 disables it)
     * @param threads verifier threads for RS256 and ES256
     * @param maxQueued verifications that may wait; past it {@link #verify} answers 503
     */
    public Authenticator(TokenVerifier verifier, int cacheEntries, int threads, int maxQueued) {
        this.verifier = verifier;
        this.cache = new VerifiedTokenCache(cacheEntries);
        final AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(
                threads, threads, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(Math.max(1, maxQueued)), r -> {
                    final Thread t = new Thread(r, "tickfan-token-verifier-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    /** Refusal when the verifier queue is full: the client should retry shortly. */
    public static final AuthResult BUSY = new AuthResult(503, "token verification busy", null);

    /**
     * Checks {@code token}; calls {@code onResult} on {@code loop} (at once, on the calling thread,
     * when the answer is immediate).
     */
    public void verify(String token, EventExecutor loop, Consumer<AuthResult> onResult) {
        if (token == null || token.isEmpty()) {
            onResult.accept(AuthResult.unauthorized("missing token"));
            return;
        }
        final VerifiedTokenCache.Key key = VerifiedTokenCache.keyOf(token);
        final Principal cached = cache.get(key, System.currentTimeMillis());
        if (cached != null) {
            onResult.accept(AuthResult.ok(cached));
            return;
        }
        if (isCheap(token)) {
            onResult.accept(verifyAndCache(token, key));
            return;
        }
        try {
            pool.execute(new Verification(token, key, loop, onResult));
        } catch (RejectedExecutionException e) {
            onResult.accept(BUSY);
        }
    }

    /**
     * One off-loop verification. Its caller holds resources (a retained request) until it is
     * answered, so it is answered exactly once: with the result on the caller's loop, with
     * {@link #BUSY} when the authenticator closes before it ran, and on the verifier thread when the
     * caller's loop is gone (its channel is closed then, and the answer only releases).
     */
    private final class Verification implements Runnable {
        private final String token;
        private final VerifiedTokenCache.Key key;
        private final EventExecutor loop;
        private final Consumer<AuthResult> onResult;

        Verification(String token, VerifiedTokenCache.Key key, EventExecutor loop, Consumer<AuthResult> onResult) {
            this.token = token;
            this.key = key;
            this.loop = loop;
            this.onResult = onResult;
        }

        @Override
        public void run() {
            answer(verifyAndCache(token, key));
        }

        void answer(AuthResult result) {
            try {
                loop.execute(() -> onResult.accept(result));
            } catch (RejectedExecutionException e) {
                onResult.accept(result);
            }
        }
    }

    /** Synchronous check for callers already off the event loop, or for HS256-only setups. */
    public AuthResult verifyNow(String token) {
        if (token == null || token.isEmpty()) {
            return AuthResult.unauthorized("missing token");
        }
        final VerifiedTokenCache.Key key = VerifiedTokenCache.keyOf(token);
        final Principal cached = cache.get(key, System.currentTimeMillis());
        return cached != null ? AuthResult.ok(cached) : verifyAndCache(token, key);
    }

    private AuthResult verifyAndCache(String token, VerifiedTokenCache.Key key) {
        verifications.incrementAndGet();
        final AuthResult result = verifier.verify(token);
        if (result.isOk()) {
            cache.put(key, result.principal(), System.currentTimeMillis());
        }
        return result;
    }

    private static boolean isCheap(String token) {
        try {
            return "HS256".equals(JWT.decode(token).getAlgorithm());
        } catch (JWTDecodeException e) {
            return true; // refused at once as malformed
        }
    }

    /** Signature verifications done (cache misses), for tests and metrics. */
    public long verifications() {
        return verifications.get();
    }

    @Override
    public void close() {
        for (Runnable queued : pool.shutdownNow()) {
            ((Verification) queued).answer(BUSY);
        }
    }
}
