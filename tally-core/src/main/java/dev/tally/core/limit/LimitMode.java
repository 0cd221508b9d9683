package dev.tally.core.limit;

import java.util.Locale;

/** What happens when usage would go over a limit. */
public enum LimitMode {
    /** An authorization that would go over the limit is denied. The default. */
    HARD,
    /** Never blocks; crossing the limit raises alerts and shows overage. */
    SOFT;

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
