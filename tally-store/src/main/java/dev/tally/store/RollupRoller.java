package dev.tally.store;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

/**
 * The thread that runs the passes of {@link QueuedRollups} on one node: a pass every {@link #DEFAULT_EVERY}, and
 * the next one at once while passes find the queue fuller than one pass takes. Every node runs one; an advisory
 * lock lets one pass run at a time, so a node that stops (or is killed) leaves the queue to the others, and a
 * scheduled pass is skipped when any node passed within the interval ({@link QueuedRollups#rollScheduled}), so the
 * interval is the cluster's, not each node's.
 */
final class RollupRoller implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RollupRoller.class);
    /**
     * Time between passes, as long as SQLite's longest delay ({@link DeferredRollups#MAX_DELAY}). Longer sums more
     * appends into one upsert per row: the benchmark's 10,000 series of 4 grains made about 4 upserts per event with
     * passes every 0.2 s at 10,000 events/s, and under one per event over 5 s. Shorter keeps short the queue that
     * reads add up (a customer's read fetches its queued events by seq).
     */
    static final Duration DEFAULT_EVERY = Duration.ofSeconds(5);

    private final IntSupplier pass;
    private final long everyNanos;
    private final Thread thread;
    private volatile boolean closed;

    /**
     * Starts the thread {@code tally-rollup-roll}.
     *
     * @param pass runs one pass in its own transaction and returns the events it rolled up
     */
    RollupRoller(IntSupplier pass, Duration every) {
        this.pass = pass;
        this.everyNanos = every.toNanos();
        this.thread = new Thread(this::loop, "tally-rollup-roll");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop() {
        long failures = 0;
        while (!closed) {
            int rolled = 0;
            try {
                rolled = pass.getAsInt();
                failures = 0;
            } catch (RuntimeException e) {
                // The pass rolled back: its queue rows wait for the next pass, here or on another node.
                if (failures++ % 50 == 0) {
                    LOG.warn("rolling up queued events failed (retried every {} ms): {}",
                            TimeUnit.NANOSECONDS.toMillis(everyNanos), e.getMessage());
                }
            }
            // A full pass claimed at least the fewest a pass claims: the next one runs at once. One that was not
            // full marked the time, so a pass started at once is skipped (rollScheduled) and this one waits.
            if (rolled < QueuedRollups.FEWEST_PASS_EVENTS && !closed) {
                LockSupport.parkNanos(this, everyNanos);
            }
        }
    }

    /** Stops the thread after its pass under way, if any. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(thread);
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
