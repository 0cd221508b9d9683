/**
 * The bounds of what Tally accepts, chosen so that no accepted input can make any later arithmetic overflow.
 *
 * <p>Rules: every decimal a client sends has at most {@value dev.tally.core.bounds.Bounds#MAX_DIGITS} digits before
 * and after the point, checked before any arithmetic on it (a number such as {@code 1e999999999} is refused
 * without ever being expanded). One event carries at most {@link dev.tally.core.bounds.Bounds#MAX_QUANTITY_UNITS}
 * units of each metric and costs at most {@link dev.tally.core.bounds.Bounds#MAX_EVENT_COST_USD} USD, whether the
 * cost is sent or priced; a unit price is at most {@link dev.tally.core.bounds.Bounds#MAX_UNIT_PRICE_USD} USD.
 * Sums are held in longs (micros of a unit, nano-dollars): an event that would take a stored sum past what a long
 * holds is refused on its own with a 400, and reads that add sums together saturate rather than throw.
 *
 * <p>The bottom of the stack: depends on the JDK only.
 */
package dev.tally.core.bounds;
