/**
 * Usage reports from rollups, never by scanning raw events ({@link dev.tally.core.usage.UsageReporter}): a
 * customer's month, the overview of all customers, monthly history and limit states.
 *
 * <p>Rules: every figure is an exact sum of stored rollups; a limit's state is computed as the limit domain says.
 * Depends on {@code catalog}, {@code customer}, the limit domain, {@code rollup}, {@code period} and {@code store}
 * (the ledger port); never on {@code enforce}.
 */
package dev.tally.core.usage;
