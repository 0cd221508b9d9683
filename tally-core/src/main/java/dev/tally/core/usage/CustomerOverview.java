package dev.tally.core.usage;

import dev.tally.core.customer.Customer;
import dev.tally.core.limit.LimitState;
import dev.tally.core.limit.LimitStatus;
import dev.tally.core.period.Period;
import dev.tally.core.rollup.RollupCounts;

import java.util.List;

/**
 * One row of the all-customers overview: a customer's current billing month and the worst state of its limits.
 *
 * @param customer    the customer
 * @param period      its current billing month
 * @param totals      sums over the month so far
 * @param limits      every limit in its current window
 * @param worstStatus the worst status among its limits ({@code ok} when it has none)
 */
public record CustomerOverview(Customer customer, Period period, RollupCounts totals, List<LimitState> limits,
                               LimitStatus worstStatus) {
}
