package dev.tally.core.ingest;

import java.time.Duration;

/**
 * How the group-commit writer batches.
 *
 * @param maxBatchEvents a batch is committed once it holds this many events
 * @param linger         or, when it was begun while nothing commits, once this long has passed since its first event
 *                       arrived, whichever comes first (a batch begun during a commit goes when that commit ends)
 * @param queueCapacity  submissions that may wait; beyond that, callers are told to retry (backpressure)
 */
public record WriterSettings(int maxBatchEvents, Duration linger, int queueCapacity) {
    /**
     * Defaults: 5,000 events, no linger, 10,000 waiting submissions. No linger: an idle writer commits what waits at
     * once, and what arrives meanwhile forms the next batch, so batches grow with the load by themselves; a linger
     * only made every request that found the writer idle wait (with one event per request and commits shorter than
     * the linger, it set the pace).
     */
    public static final WriterSettings DEFAULTS = new WriterSettings(5_000, Duration.ZERO, 10_000);

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
