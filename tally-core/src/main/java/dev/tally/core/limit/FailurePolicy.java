package dev.tally.core.limit;

import java.util.Locale;

/**
 * What authorization does when the counters cannot answer (a shared counter store is down).
 *
 * <p>The default is {@link #FAIL_OPEN}: an outage of the meter should not become an outage of the product it meters;
 * the calls are still recorded as events and counted once the store is back.
 */
public enum FailurePolicy {
    /** Allow the call, log, and count it later from its event. */
    FAIL_OPEN,
    /** Deny the call with code {@code unavailable}. */
    FAIL_CLOSED;

    /** The name used in configuration and the API: {@code fail_open}, {@code fail_closed}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The policy named {@code fail_open} or {@code fail_closed}, or null. */
    public static FailurePolicy fromWireName(String name) {
        for (FailurePolicy p : values()) {
            if (p.name().toLowerCase(Locale.ROOT).equals(name)) {
                return p;
            }
        }
        return null;
    }
}
