package dev.tally.client.servlet;

import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Warnings at most once per interval, with the count of those left out. When Tally is down every request fails the
 * same way; one line a minute says so without flooding the application's log.
 */
final class ThrottledLog {
    private final System.Logger log;
    private final long intervalNanos;
    private final AtomicLong nextNanos = new AtomicLong(System.nanoTime());
    private final AtomicLong suppressed = new AtomicLong();

    ThrottledLog(System.Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    void warn(String message, Throwable error) {
        long now = System.nanoTime();
        long next = nextNanos.get();
        if (now - next < 0 || !nextNanos.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return;
        }
        long left = suppressed.getAndSet(0);
        String text = left == 0 ? message : message + " (" + left + " similar warnings left out)";
        if (error == null) {
            log.log(Level.WARNING, text);
        } else {
            log.log(Level.WARNING, text, error);
        }
    }
}
