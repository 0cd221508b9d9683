package dev.tally.server.http;

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
 * <p>Each request starts a check unless one is running (never more than one at a time: requests that arrive while a
 * check runs share it), and waits for it at most the budget it is given. A check still running past that budget
 * counts as "not answering". No result is reused once its check has ended, so that a dependency that just went away
 * is reported at once (a check is a trivial query on a pooled connection).
 */
final class HealthProbe {
    private final String down;
    private final String slow;
    private final BooleanSupplier check;
    private final Executor executor;
    private final AtomicReference<CompletableFuture<Boolean>> running = new AtomicReference<>();

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

    /** Starts a check unless one runs, and answers the running one; its answer is awaited with {@link #await}. */
    CompletableFuture<Boolean> start() {
        CompletableFuture<Boolean> fresh = new CompletableFuture<>();
        CompletableFuture<Boolean> current = running.compareAndExchange(null, fresh);
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
            running.set(null);
            fresh.complete(up);
        });
        return fresh;
    }

    /**
     * The reason the dependency is not healthy, or null if it is: waits for {@code probe} until {@code deadlineNanos}
     * ({@link System#nanoTime()}) at most.
     */
    String await(CompletableFuture<Boolean> probe, long deadlineNanos) {
        try {
            boolean up = probe.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            return up ? null : down;
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
