package dev.tally.core.rollup;

import dev.tally.core.period.Window;

import java.time.Instant;

/**
 * What one rollup row sums over: a customer's events in one bucket of one grain, for one provider, model and
 * endpoint. Absent provider, model or endpoint are the empty string, so that the key is usable in a primary key.
 */
public record RollupKey(String customerId, Window grain, Instant bucketStart, String provider, String model,
                        String endpoint) {
    /** The stored form of an absent value. */
    public static String nonNull(String value) {
        return value == null ? "" : value;
    }

    /** The API form of a stored value: null for the empty string. */
    public static String nullIfEmpty(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
