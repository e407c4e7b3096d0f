package io.tickfan.server.session;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * One periodic task per event loop for the timed checks of all its open sessions (token expiry,
 * a WebSocket's keep-alive), instead of a scheduled task per session: opening a session schedules
 * nothing and closing one cancels nothing, and an idle connection holds no timer objects. A check
 * runs at most one period late. The task runs only while the loop has sessions.
 *
 * <p>Touched only on its loop; time is the loop's ticker, so a test's frozen loop clock drives it.
 */
final class LoopTimer {
    private final EventExecutor loop;
    private final long periodNs;
    private SessionLifecycle[] members = new SessionLifecycle[16];
    private int size;
    private ScheduledFuture<?> task;

    LoopTimer(EventExecutor loop, long periodMs) {
        this.loop = loop;
        this.periodNs = TimeUnit.MILLISECONDS.toNanos(periodMs);
    }

    /** The loop's clock, in the timer's nanoseconds. */
    long nowNs() {
        return loop.ticker().nanoTime();
    }

    void add(SessionLifecycle s) {
        if (s.timerIndex >= 0) {
            return;
        }
        if (size == members.length) {
            members = Arrays.copyOf(members, size * 2);
        }
        members[size] = s;
        s.timerIndex = size++;
        if (task == null) {
            task = loop.scheduleAtFixedRate(this::run, periodNs, periodNs, TimeUnit.NANOSECONDS);
        }
    }

    void remove(SessionLifecycle s) {
        final int i = s.timerIndex;
        if (i < 0) {
            return;
        }
        final SessionLifecycle last = members[--size];
        members[i] = last;
        last.timerIndex = i;
        members[size] = null;
        s.timerIndex = -1;
        if (size == 0) {
            task.cancel(false);
            task = null;
            if (members.length > 1024) {
                members = new SessionLifecycle[16];
            }
        }
    }

    int size() {
        return size;
    }

    /** Whether its periodic task is scheduled (it is while the loop has sessions). */
    boolean running() {
        return task != null;
    }

    private void run() {
        final long now = nowNs();
        for (int i = 0; i < size; ) {
            final SessionLifecycle s = members[i];
            s.onTimer(now);
            // A session that closed at once took itself out: the last one moved into its slot.
            if (i < size && members[i] == s) {
                i++;
            }
        }
    }
}
