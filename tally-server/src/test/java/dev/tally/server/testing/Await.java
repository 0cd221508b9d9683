package dev.tally.server.testing;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or a deadline passes: how the tests wait for things, never by sleeping. */
public final class Await {
    private static final long POLL_PAUSE_NANOS = Duration.ofMillis(5).toNanos();

    private Await() {
    }

    /**
     * Returns once {@code condition} holds; fails naming {@code what} if it does not within {@code limit}. Polls
     * with a short pause in between, so that polling does not take the CPU the server under test needs.
     */
    public static void within(Duration limit, String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within " + limit.toMillis() + " ms: " + what);
            }
            LockSupport.parkNanos(POLL_PAUSE_NANOS);
        }
    }
}
