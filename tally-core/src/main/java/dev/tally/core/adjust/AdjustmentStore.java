package dev.tally.core.adjust;


import java.time.Instant;
import java.util.List;

/** The port to stored adjustments: written once, never changed, read by billing month. */
public interface AdjustmentStore {
    /** Stores a new adjustment (its id is new). */
    void addAdjustment(Adjustment adjustment);

    /**
     * Adjustments whose billing month starts in {@code [from, to)}, oldest first.
     *
     * @param customerId whose, or null for every customer's
     */
    List<Adjustment> adjustments(String customerId, Instant from, Instant to);
}
