package dev.tally.core.rollup;

/**
 * The sums of one end user (or one value of a dimension) over a billing month.
 *
 * @param name         the user or the dimension value; {@link dev.tally.core.event.EndUsers#OTHER} for everything
 *                     past the cardinality bound
 * @param requests     calls
 * @param errors       calls with a status of 400 or above
 * @param tokensMicros tokens (input, output and cached), in micros
 * @param costNanos    cost in nano-dollars
 */
public record EndUserTotals(String name, long requests, long errors, long tokensMicros, long costNanos) {
}
