package dev.tally.server.http;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Whether one dependency (the store, the shared counters) answers, checked off the request's thread with a time
 * budget, so that {@code /health} answers within a second in every state: a database that is down makes a check
 * hang until the pool's connection timeout, and before this {@code /health} hung with it.
 *
 * <p>Each request starts a check unless one is running (never more than one at a time), and waits for it at most
 * the budget it is given. A check still running past that budget counts as "not
 * answering"; when it ends, its result serves the requests that follow.
 */
final class HealthProbe {
    /**
     * How long a check's result is reused: not at all, so that a dependency that just went away is reported at once
     * (a check is a trivial query on a pooled connection); requests that arrive while a check runs share it.
     */
    static final Duration MAX_AGE = Duration.ZERO;

    private final String down;
    private final String slow;
    private final BooleanSupplier check;
    private final Executor executor;
    private final AtomicReference<CompletableFuture<Outcome>> running = new AtomicReference<>();
    private volatile Outcome last;

    /** A check's result and when it ended ({@link System#nanoTime()}). */
    private record Outcome(boolean up, long atNanos) {
    }

    /**
     * @param down     the reason given when it does not answer ("the store does not answer")
     * @param slow     the reason given when it does not answer in time
     * @param check    true if it answers; may block, and may throw (taken as not answering)
     * @param executor runs the checks (a daemon thread: a hanging check must not keep the JVM up)
     */
    HealthProbe(String down, String slow, BooleanSupplier check, Executor executor) {
        this.down = down;
        this.slow = slow;
        this.check = check;
        this.executor = executor;
    }

    /** Starts a check now if the last result is stale and none runs; the answer is then awaited with {@link #await}. */
    CompletableFuture<Outcome> start() {
        Outcome known = last;
        if (known != null && System.nanoTime() - known.atNanos < MAX_AGE.toNanos()) {
            return CompletableFuture.completedFuture(known);
        }
        CompletableFuture<Outcome> fresh = new CompletableFuture<>();
        CompletableFuture<Outcome> current = running.compareAndExchange(null, fresh);
        if (current != null) {
            return current;
        }
        executor.execute(() -> {
            boolean up;
            try {
                up = check.getAsBoolean();
            } catch (RuntimeException e) {
                up = false;
            }
            Outcome outcome = new Outcome(up, System.nanoTime());
            last = outcome;
            running.set(null);
            fresh.complete(outcome);
        });
        return fresh;
    }

    /**
     * The reason the dependency is not healthy, or null if it is: waits for {@code probe} until {@code deadlineNanos}
     * ({@link System#nanoTime()}) at most.
     */
    String await(CompletableFuture<Outcome> probe, long deadlineNanos) {
        try {
            Outcome outcome = probe.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return outcome.up() ? null : down;
        } catch (TimeoutException e) {
            return slow;
        } catch (ExecutionException e) {
            return down;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return slow;
        }
    }
}
