package dev.tally.core.enforce;

import dev.tally.core.event.EndUsers;

import java.time.Duration;
import java.util.SortedMap;

/**
 * A question to the enforcer: may this customer make this call?
 *
 * @param customerId who calls
 * @param provider   the upstream provider, or null
 * @param model      the upstream model, or null
 * @param endpoint   the product's endpoint, or null
 * @param estimate   what the call is expected to use
 * @param ttl        how long a reservation holds the estimate if no event settles it
 * @param user       the customer's end user making the call, or null
 * @param dimensions the call's dimensions, sorted by key; empty if none
 */
public record CallRequest(String customerId, String provider, String model, String endpoint, CallEstimate estimate,
                          Duration ttl, String user, SortedMap<String, String> dimensions) {
    /** The TTL used when a request names none. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    /** The longest TTL accepted. */
    public static final Duration MAX_TTL = Duration.ofDays(1);

    public CallRequest {
        dimensions = dimensions == null ? EndUsers.NONE : dimensions;
    }

    /** A call that names no end user and no dimensions. */
    public CallRequest(String customerId, String provider, String model, String endpoint, CallEstimate estimate,
                       Duration ttl) {
        this(customerId, provider, model, endpoint, estimate, ttl, null, null);
    }
}
