package io.tickfan.server.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refused upgrades and requests (401 by reason, 403, 429, 503), counted by status and reason for
 * {@code tickfan_upgrades_refused_total}, and logged at most once per reason per {@code
 * log.refusalIntervalMs}: the line says how many were refused since the last one. A storm of bad
 * tokens costs a counter increment each, not a log line each. Reasons are the server's own fixed
 * texts (never a token, a subject or a client address); past {@link #MAX_REASONS} distinct ones
 * the rest count under {@code other}.
 */
public final class Refusals {
    static final int MAX_REASONS = 64;
    private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);

    private final long intervalNs;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    /** One status and reason: its total, and when it was last logged. */
    static final class Entry {
        final int status;
        final String reason;
        final LongAdder total = new LongAdder();
        final AtomicLong lastLogNs = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong loggedTotal = new AtomicLong();

        Entry(int status, String reason) {
            this.status = status;
            this.reason = reason;
        }
    }

    private final LongSupplier nanoClock;

    public Refusals(long intervalMs) {
        this(intervalMs, System::nanoTime);
    }

    /** With {@code nanoClock} for {@link System#nanoTime()} (tests move it by hand). */
    Refusals(long intervalMs, LongSupplier nanoClock) {
        this.intervalNs = TimeUnit.MILLISECONDS.toNanos(intervalMs);
        this.nanoClock = nanoClock;
    }

    /** Counts one refusal and logs it unless this reason was logged within the interval. */
    public void record(int status, String reason) {
        final Entry e = entry(status, reason);
        e.total.increment();
        final long now = nanoClock.getAsLong();
        final long last = e.lastLogNs.get();
        if ((last == Long.MIN_VALUE || now - last >= intervalNs) && e.lastLogNs.compareAndSet(last, now)) {
            final long total = e.total.sum();
            final long since = total - e.loggedTotal.getAndSet(total);
            LOG.info(
                    "refused {} {} ({} since the last line for this reason, {} in all)",
                    status,
                    e.reason,
                    since,
                    total);
        }
    }

    private Entry entry(int status, String reason) {
        final String key = status + " " + reason;
        final Entry known = entries.get(key);
        if (known != null) {
            return known;
        }
        if (entries.size() >= MAX_REASONS) {
            return entries.computeIfAbsent(status + " other", k -> new Entry(status, "other"));
        }
        return entries.computeIfAbsent(key, k -> new Entry(status, reason));
    }

    /** Calls {@code sink} with each status, reason and total, for the metrics. */
    public void forEach(TotalSink sink) {
        for (Entry e : entries.values()) {
            sink.accept(e.status, e.reason, e.total.sum());
        }
    }

    public interface TotalSink {
        void accept(int status, String reason, long total);
    }
}
