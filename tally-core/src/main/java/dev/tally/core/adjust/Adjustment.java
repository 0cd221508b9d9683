package dev.tally.core.adjust;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.util.Objects;

/**
 * A signed correction of one metric of a customer's billing month (a refund, a credit for an outage, a missed
 * charge), recorded with its reason. It counts in that month's totals and month limits like usage, is never part of
 * any provider, model or endpoint, and is never changed once recorded: a wrong adjustment is corrected by another.
 *
 * @param id          {@code adj_...}
 * @param customerId  whose month
 * @param period      the calendar month the billing month starts in
 * @param periodStart the first instant of that billing month (where the adjustment counts)
 * @param metric      {@code cost}, {@code requests} or a sent metric
 * @param amount      the signed amount in the metric's unit (USD for cost)
 * @param raw         the amount in the metric's stored unit: nano-dollars, calls or micros
 * @param reason      why, as the admin wrote it
 * @param createdBy   who recorded it, as the server names its caller (the admin key's id, or a console user)
 * @param createdAt   when it was recorded
 */
public record Adjustment(String id, String customerId, YearMonth period, Instant periodStart, String metric,
                         BigDecimal amount, long raw, String reason, String createdBy, Instant createdAt) {
    public Adjustment {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(customerId, "customerId");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(periodStart, "periodStart");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
