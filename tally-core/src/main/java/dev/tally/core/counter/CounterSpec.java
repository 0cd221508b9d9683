package dev.tally.core.counter;

import dev.tally.core.limit.Limit;
import dev.tally.core.period.Window;

import java.time.Instant;
import java.time.ZoneId;

/**
 * What a counter needs to know about one limit of one customer.
 *
 * @param key        which limit (metric, window and filters); a customer's counter is found by it
 * @param window     its window: minute and hour slide, day and month are calendar periods
 * @param zone       the customer's time zone, for calendar windows
 * @param billingDay the customer's billing day, for months
 * @param limit      the amount in the metric's stored unit; -1 when unlimited
 * @param enforced   whether exceeding it denies a call (hard and not shadow); others are only measured
 */
public record CounterSpec(Limit.LimitKey key, Window window, ZoneId zone, int billingDay, long limit,
                          boolean enforced) {
    /** A new, empty counter for this window. */
    WindowCounter newCounter() {
        return switch (window) {
            case MINUTE -> new SlidingWindowCounter(60_000L);
            case HOUR -> new SlidingWindowCounter(3_600_000L);
            case DAY, MONTH -> new CalendarWindowCounter(ms -> window.periodAt(zone, billingDay,
                    Instant.ofEpochMilli(ms)));
        };
    }
}
