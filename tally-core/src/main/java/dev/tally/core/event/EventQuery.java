package dev.tally.core.event;

import java.time.Instant;
import java.util.SortedMap;

/**
 * A filter over one customer's itemized event log, newest first.
 *
 * @param customerId whose events; null for every customer, which only {@code errorsOnly} allows
 * @param from       first timestamp included; null for no lower bound
 * @param to         first timestamp excluded; null for no upper bound
 * @param provider   only this provider; null for all
 * @param model      only this model; null for all
 * @param endpoint   only this endpoint; null for all
 * @param errorsOnly only events with status >= 400
 * @param limit      page size, 1 to 1000
 * @param after      continue after this position (from a previous page); null for the first page
 * @param user       only this end user's events; null for all
 * @param dimensions only events having all these dimension pairs; empty for all
 */
public record EventQuery(String customerId, Instant from, Instant to, String provider, String model,
                         String endpoint, boolean errorsOnly, int limit, EventCursor after, String user,
                         SortedMap<String, String> dimensions) {
    public EventQuery {
        dimensions = dimensions == null ? EndUsers.NONE : dimensions;
    }

    /** A query that does not filter on end users or dimensions. */
    public EventQuery(String customerId, Instant from, Instant to, String provider, String model,
                      String endpoint, boolean errorsOnly, int limit, EventCursor after) {
        this(customerId, from, to, provider, model, endpoint, errorsOnly, limit, after, null, null);
    }
}
