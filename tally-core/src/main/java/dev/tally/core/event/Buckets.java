package dev.tally.core.event;

import dev.tally.core.period.Periods;
import dev.tally.core.period.Window;

import java.time.Instant;
import java.time.ZoneId;

/**
 * The starts of the customer-local minute, hour, day and billing month an event falls in: the keys of its rollups.
 * They are fixed at ingestion with the customer's zone and billing day of that moment.
 */
public record Buckets(Instant minute, Instant hour, Instant day, Instant month) {
    public static Buckets of(ZoneId zone, int billingDay, Instant t) {
        return new Buckets(Periods.minute(zone, t).start(), Periods.hour(zone, t).start(),
                Periods.day(zone, t).start(), Periods.billingMonth(zone, billingDay, t).start());
    }

    /** The start of the bucket of {@code grain}. */
    public Instant start(Window grain) {
        return switch (grain) {
            case MINUTE -> minute;
            case HOUR -> hour;
            case DAY -> day;
            case MONTH -> month;
        };
    }
}
