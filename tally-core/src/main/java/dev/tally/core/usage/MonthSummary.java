package dev.tally.core.usage;

import dev.tally.core.period.Period;
import dev.tally.core.rollup.RollupCounts;

import java.time.YearMonth;

/**
 * The sums of one billing month, kept forever (they live in month rollups, which retention never removes).
 *
 * @param month  the calendar month the billing month starts in
 * @param period the billing month
 * @param totals its sums
 */
public record MonthSummary(YearMonth month, Period period, RollupCounts totals) {
}
