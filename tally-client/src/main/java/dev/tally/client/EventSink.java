package dev.tally.client;

import java.util.List;

/**
 * The port a middleware records usage events through. Implementations send synchronously; the servlet filter
 * batches events and calls this from one background thread.
 */
@FunctionalInterface
public interface EventSink {
    /**
     * Records a batch of events.
     *
     * @return what was accepted, found duplicate or rejected
     * @throws TallyException if the batch was not recorded; {@link TallyException#isRetryable()} says whether
     *                        sending it again may succeed (resending is safe: event ids make it idempotent)
     */
    IngestResult record(List<Event> events);
}
