package dev.tally.core.rerate;

import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A re-rating: its diff, and for an applied one the record of who changed what when.
 *
 * @param id         {@code rr_...}; for a dry run too, though it is not stored
 * @param period     the billing month re-rated (each customer's own billing month starting in it)
 * @param customerId the one customer re-rated, or null for every customer
 * @param state      what became of it: a dry run, applied, or abandoned (nothing changed)
 * @param createdBy  who ran it, as the server names its caller (the admin key's id, or a console user)
 * @param createdAt  when it started
 * @param lines      the diff by customer and model, in customer, provider, model order (none when abandoned)
 */
public record Rerating(String id, YearMonth period, String customerId, State state, String createdBy,
                       Instant createdAt, List<RerateLine> lines) {
    /** What became of a re-rating. */
    public enum State {
        /** Computed and answered, never stored: nothing changed. */
        DRY_RUN,
        /** Being applied: its changes are staged, invisible to every reader until they are switched in at once. */
        STAGING,
        /** Applied: events, rollups and summaries changed together in one transaction. */
        APPLIED,
        /** Stopped before its switch (a failure, a crash, a conflicting re-rating): nothing changed. */
        ABANDONED;

        /** The state as the JSON and the database write it: {@code dry_run}, {@code applied}... */
        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The state written as {@link #text}. */
        public static State ofText(String text) {
            return valueOf(text.toUpperCase(Locale.ROOT));
        }
    }

    public Rerating {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        lines = List.copyOf(lines);
    }

    /** A dry run's answer or an applied re-rating's record. */
    public Rerating(String id, YearMonth period, String customerId, boolean dryRun, String createdBy,
                    Instant createdAt, List<RerateLine> lines) {
        this(id, period, customerId, dryRun ? State.DRY_RUN : State.APPLIED, createdBy, createdAt, lines);
    }

    /** Whether nothing was to be changed: a dry run. */
    public boolean dryRun() {
        return state == State.DRY_RUN;
    }

    /** This re-rating in another state. */
    public Rerating in(State next) {
        return new Rerating(id, period, customerId, next, createdBy, createdAt, lines);
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
