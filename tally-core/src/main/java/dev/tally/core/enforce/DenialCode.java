package dev.tally.core.enforce;

import dev.tally.core.limit.Limit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.period.Window;

import java.util.Locale;

/** Why a call was denied. */
public enum DenialCode {
    /** A minute or hour limit: the call may go ahead soon. */
    RATE_LIMITED,
    /** A day or month quota of calls, tokens or another metric. */
    QUOTA_EXCEEDED,
    /** A money (cost) limit. */
    BUDGET_EXCEEDED,
    /** The counters could not answer and the failure policy is fail-closed. */
    UNAVAILABLE;

    /** The code for a denial by {@code limit}. */
    public static DenialCode of(Limit limit) {
        if (limit.unit().isMoney()) {
            return BUDGET_EXCEEDED;
        }
        if (Metrics.CONCURRENT_REQUESTS.equals(limit.metric())) {
            return RATE_LIMITED; // too many at once, not used up: retrying shortly will do
        }
        return limit.window() == Window.MINUTE || limit.window() == Window.HOUR ? RATE_LIMITED : QUOTA_EXCEEDED;
    }

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
