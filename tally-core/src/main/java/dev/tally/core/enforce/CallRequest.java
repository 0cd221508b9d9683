package dev.tally.core.enforce;

import java.time.Duration;

/**
 * A question to the enforcer: may this customer make this call?
 *
 * @param customerId who calls
 * @param provider   the upstream provider, or null
 * @param model      the upstream model, or null
 * @param endpoint   the product's endpoint, or null
 * @param estimate   what the call is expected to use
 * @param ttl        how long a reservation holds the estimate if no event settles it
 */
public record CallRequest(String customerId, String provider, String model, String endpoint, CallEstimate estimate,
                          Duration ttl) {
    /** The TTL used when a request names none. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);
    /** The longest TTL accepted. */
    public static final Duration MAX_TTL = Duration.ofDays(1);
}
