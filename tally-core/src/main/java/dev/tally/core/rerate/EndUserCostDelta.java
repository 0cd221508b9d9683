package dev.tally.core.rerate;

import dev.tally.core.limit.Limit;

import java.time.Instant;

/**
 * How much an applied re-rating moved the cost that one cost limit on end users or dimensions counts in its current
 * window: for a {@code per} limit, the counter of one end user (or dimension value); else the limit's one counter.
 * What that counter is moved by, so it counts as if the events had been priced so from the start.
 *
 * @param customerId whose limit
 * @param limit      the limit as it was when the re-rating began (a limit changed since is not moved)
 * @param value      for a {@code per} limit, the end user or dimension value whose counter moves; else null
 * @param at         where the change lies: for day and month windows the start of the limit's window when the
 *                   re-rating began (the events of that window), for minute and hour windows the events' UTC minute
 * @param nanos      the signed change of cost in nano-dollars
 */
public record EndUserCostDelta(String customerId, Limit limit, String value, Instant at, long nanos) {
}
