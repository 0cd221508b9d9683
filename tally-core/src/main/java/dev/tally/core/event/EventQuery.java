package dev.tally.core.event;

import java.time.Instant;

/**
 * A filter over one customer's itemized event log, newest first.
 *
 * @param customerId whose events
 * @param from       first timestamp included; null for no lower bound
 * @param to         first timestamp excluded; null for no upper bound
 * @param provider   only this provider; null for all
 * @param model      only this model; null for all
 * @param endpoint   only this endpoint; null for all
 * @param errorsOnly only events with status >= 400
 * @param limit      page size, 1 to 1000
 * @param after      continue after this position (from a previous page); null for the first page
 */
public record EventQuery(String customerId, Instant from, Instant to, String provider, String model,
                         String endpoint, boolean errorsOnly, int limit, EventCursor after) {
}
