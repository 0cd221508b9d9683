package dev.tally.core.ingest;

import java.time.Duration;

/**
 * Which event timestamps are accepted.
 *
 * @param maxAge    events older than this are rejected (their periods may already be billed)
 * @param maxFuture events further ahead than this are rejected (clock skew beyond it is a bug at the sender)
 */
public record IngestPolicy(Duration maxAge, Duration maxFuture) {
    /** The contract's window: at most 35 days old, at most 5 minutes ahead. */
    public static final IngestPolicy DEFAULTS = new IngestPolicy(Duration.ofDays(35), Duration.ofMinutes(5));
}
