package dev.tally.core.rerate;

import java.util.List;
import java.util.Objects;

/**
 * One customer and model's part of a re-rating's diff.
 *
 * @param customerId      whose events
 * @param provider        the events' provider ('' when absent)
 * @param model           the events' model ('' when absent)
 * @param events          stored events of the period walked
 * @param changed         of those, events whose cost or unpriced metrics changed
 * @param costBeforeNanos the events' cost before, in nano-dollars
 * @param costAfterNanos  their cost after
 * @param newlyPriced     events that were unpriced and are now fully priced
 * @param stillUnpriced   events unpriced after the re-rating
 * @param changedIds      the ids of changed events, the first {@value Rerater#MAX_IDS} only
 * @param pastRetention   events the month summaries count that are no longer stored (past retention): they keep the
 *                        cost they had
 */
public record RerateLine(String customerId, String provider, String model, long events, long changed,
                         long costBeforeNanos, long costAfterNanos, long newlyPriced, long stillUnpriced,
                         List<String> changedIds, long pastRetention) {
    public RerateLine {
        Objects.requireNonNull(customerId, "customerId");
        provider = provider == null ? "" : provider;
        model = model == null ? "" : model;
        changedIds = List.copyOf(changedIds);
    }

    /** Whether {@link #changedIds} names every changed event. */
    public boolean idsComplete() {
        return changedIds.size() >= changed;
    }
}
