package dev.tally.core.usage;

import dev.tally.core.customer.Customer;
import dev.tally.core.customer.Plan;
import dev.tally.core.limit.LimitState;
import dev.tally.core.period.Period;
import dev.tally.core.rollup.RollupCounts;

import java.time.LocalDate;
import java.util.List;

/**
 * A customer's usage over one billing month, built from rollups only.
 *
 * @param customer     the customer
 * @param plan         its plan, or null
 * @param period       the billing month
 * @param totals       sums over the month
 * @param byProvider   sums per provider, most expensive first
 * @param byModel      sums per provider and model, most expensive first
 * @param limits       every limit that applies, each in its own current window (month limits only, for past months)
 * @param daily        one row per customer-local day of the month, up to today
 * @param topEndpoints the busiest endpoints, most requests first
 * @param latency      latency over the month
 */
public record UsageReport(Customer customer, Plan plan, Period period, RollupCounts totals,
                          List<Breakdown> byProvider, List<Breakdown> byModel, List<LimitState> limits,
                          List<Day> daily, List<Breakdown> topEndpoints, LatencySummary latency) {

    /**
     * Sums for one provider, model or endpoint.
     *
     * @param provider the provider, or null when grouped otherwise
     * @param model    the model, or null when not grouped by model
     * @param endpoint the endpoint, or null when not grouped by endpoint
     * @param counts   the sums
     */
    public record Breakdown(String provider, String model, String endpoint, RollupCounts counts) {
    }

    /** Sums for one customer-local day. */
    public record Day(LocalDate date, RollupCounts counts) {
    }

    /**
     * Latency of the calls that reported one, in milliseconds; all null when none did.
     *
     * @param avg exact average, one decimal
     * @param p50 median, from a histogram with at most 1.6% error
     * @param p95 95th percentile
     * @param p99 99th percentile
     */
    public record LatencySummary(java.math.BigDecimal avg, Long p50, Long p95, Long p99) {
    }
}
