package dev.tally.core.limit;

import java.util.Locale;

/** What happens when usage would go over a limit. */
public enum LimitMode {
    /** An authorization that would go over the limit is denied. The default. */
    HARD,
    /** Never blocks; crossing the limit raises alerts and shows overage. */
    SOFT,
    /**
     * Never blocks, but every decision reports whether it would have denied the call, so that a new limit can be
     * tried on live traffic before it is made hard.
     */
    SHADOW;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code name}, or null if there is none. */
    public static LimitMode fromWireName(String name) {
        for (LimitMode m : values()) {
            if (m.wireName().equals(name)) {
                return m;
            }
        }
        return null;
    }
}
