package dev.tally.core.enforce;

import java.util.List;

/**
 * The answer to "may this call go ahead?": data, which the HTTP layer turns into headers and the middleware into a
 * 429 for its own callers.
 *
 * @param allowed           whether the call may go ahead
 * @param reservationId     the reservation holding the estimate, when allowed and reserved; else null
 * @param limits            every limit that applies to the call
 * @param deciding          the limit that denied, or the most constraining one when allowed; null if none applies
 * @param code              why it was denied; null when allowed
 * @param retryAfterSeconds when denied, after how many seconds the call would fit (at least 1); else 0
 * @param message           for a denial, a sentence to show the end user; else null
 */
public record Decision(boolean allowed, String reservationId, List<LimitDecision> limits, LimitDecision deciding,
                       DenialCode code, long retryAfterSeconds, String message) {
    public Decision {
        limits = List.copyOf(limits);
    }
}
