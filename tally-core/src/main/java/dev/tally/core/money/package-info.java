/**
 * Exact US dollars ({@link dev.tally.core.money.Money}), held as a long of nano-dollars.
 *
 * <p>Rules: an event's cost is rounded once, half-even, to nine decimal places; everything after that is integer
 * addition, so totals are exact sums of the stored costs. Never a {@code double}. Depends on {@code bounds} only.
 */
package dev.tally.core.money;
