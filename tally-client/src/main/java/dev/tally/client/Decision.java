package dev.tally.client;

import java.util.List;

/**
 * The answer to "may this call go ahead?". A denial is data, not an error: a middleware turns it into a 429 (or a
 * 503 for {@code unavailable}) for its own callers, with {@link #headers()} copied onto the response.
 *
 * @param allowed           whether the call may go ahead
 * @param reservation       the reservation holding the estimate when allowed by {@code authorize}; send it with the
 *                          call's event to settle it. Null for a denial, a {@code check}, or a fail-open decision
 * @param code              why it was denied: {@code rate_limited}, {@code quota_exceeded}, {@code budget_exceeded}
 *                          or {@code unavailable}; null when allowed
 * @param retryAfterSeconds when denied, after how many seconds the call would fit; 0 when allowed
 * @param message           when denied, a sentence to show the end user; else null
 * @param limit             when denied, the limit that denied; else null
 * @param limits            every limit that applies to the call
 * @param headers           the rate-limit header values of this decision
 */
public record Decision(boolean allowed, String reservation, String code, long retryAfterSeconds, String message,
                      LimitState limit, List<LimitState> limits, RateLimitHeaders headers) {
    public Decision {
        limits = limits == null ? List.of() : List.copyOf(limits);
        headers = headers == null ? RateLimitHeaders.NONE : headers;
    }
}
