package dev.tally.server.testing;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Waits for an asynchronous outcome by polling with a deadline, never by sleeping a guessed time. */
public final class Eventually {
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private Eventually() {
    }

    /**
     * Polls {@code probe} until its value satisfies {@code done}, and answers that value.
     *
     * @throws AssertionError naming {@code what} and the last value if {@code timeout} passes first
     */
    public static <T> T await(String what, Duration timeout, Supplier<T> probe, Predicate<T> done) {
        long deadline = System.nanoTime() + timeout.toNanos();
        T value = probe.get();
        while (!done.test(value)) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout.toMillis() + " ms waiting for " + what
                        + "; last value: " + value);
            }
            LockSupport.parkNanos(POLL_NANOS);
            value = probe.get();
        }
        return value;
    }
}
