package dev.tally.core.rerate;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Objects;

/**
 * A re-rating: its diff, and for an applied one the record of who changed what when.
 *
 * @param id         {@code rr_...}; for a dry run too, though it is not stored
 * @param period     the billing month re-rated (each customer's own billing month starting in it)
 * @param customerId the one customer re-rated, or null for every customer
 * @param dryRun     whether nothing was changed
 * @param createdBy  who ran it, as the server names its caller (the admin key's id, or a console user)
 * @param createdAt  when it started
 * @param lines      the diff by customer and model, in customer, provider, model order
 */
public record Rerating(String id, YearMonth period, String customerId, boolean dryRun, String createdBy,
                       Instant createdAt, List<RerateLine> lines) {
    public Rerating {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(createdAt, "createdAt");
        lines = List.copyOf(lines);
    }

    /** Events walked, over all lines. */
    public long events() {
        return lines.stream().mapToLong(RerateLine::events).sum();
    }

    /** Events changed, over all lines. */
    public long changed() {
        return lines.stream().mapToLong(RerateLine::changed).sum();
    }

    /** The cost before, over all lines, in nano-dollars. */
    public long costBeforeNanos() {
        return lines.stream().mapToLong(RerateLine::costBeforeNanos).sum();
    }

    /** The cost after, over all lines, in nano-dollars. */
    public long costAfterNanos() {
        return lines.stream().mapToLong(RerateLine::costAfterNanos).sum();
    }

    /** Events past retention, over all lines. */
    public long pastRetention() {
        return lines.stream().mapToLong(RerateLine::pastRetention).sum();
    }

    /** Whether the re-rating of {@code customer} is part of this one. */
    public boolean covers(String customer) {
        return customerId == null ? lines.stream().anyMatch(l -> l.customerId().equals(customer))
                : customerId.equals(customer);
    }
}
