package dev.tally.core.enforce;

/**
 * Told about every decision the {@link Enforcer} makes, for operational metrics (allowed and denied calls by denial
 * code). The core stays free of any metrics library: the server implements this with its own.
 *
 * <p>Called on the request's thread, once per decided call (including those the failure policy decided), so an
 * implementation must be quick and must not throw. Calls that fail before a decision (an unknown customer, an invalid
 * estimate) are not decisions and are not reported.
 */
@FunctionalInterface
public interface DecisionMetrics {
    /** Metrics that record nothing. */
    DecisionMetrics NONE = (decision, reserved) -> { };

    /**
     * A decision just made.
     *
     * @param reserved true for an authorization (which holds the estimate if allowed), false for a check
     */
    void decided(Decision decision, boolean reserved);
}
