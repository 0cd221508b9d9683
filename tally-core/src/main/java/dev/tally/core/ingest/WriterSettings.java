package dev.tally.core.ingest;

import java.time.Duration;

/**
 * How the group-commit writer batches.
 *
 * @param maxBatchEvents a batch is committed once it holds this many events
 * @param linger         or once this long has passed since its first event arrived, whichever comes first
 * @param queueCapacity  submissions that may wait; beyond that, callers are told to retry (backpressure)
 */
public record WriterSettings(int maxBatchEvents, Duration linger, int queueCapacity) {
    /** Defaults: 5,000 events or 2 ms, 10,000 waiting submissions. */
    public static final WriterSettings DEFAULTS = new WriterSettings(5_000, Duration.ofMillis(2), 10_000);

    public WriterSettings {
        if (maxBatchEvents < 1) {
            throw new IllegalArgumentException("maxBatchEvents must be >= 1, was " + maxBatchEvents);
        }
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger must be >= 0, was " + linger);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity must be >= 1, was " + queueCapacity);
        }
    }
}
