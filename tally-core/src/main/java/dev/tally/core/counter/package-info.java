/**
 * Enforcement counters: per customer and limit, the usage in the current window and the estimates held by open
 * reservations, behind the {@link dev.tally.core.counter.CounterStore} port. {@link
 * dev.tally.core.counter.InMemoryCounterStore} counts for one node; a shared adapter (Redis, in {@code tally-redis})
 * for several.
 *
 * <p>Rules: a reservation is all or none across a call's charges, and concurrent callers never push an enforced limit
 * past its amount. Minute and hour windows slide (an estimate, erring toward denying); day and month windows are the
 * customer's calendar periods. Amounts are longs in the metric's stored unit; time comes in as arguments, never from
 * a clock read here. Depends on {@code limit}, {@code period} and {@code bounds} only: it knows nothing of decisions,
 * customers or reservation ids.
 */
package dev.tally.core.counter;
