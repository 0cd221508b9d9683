package dev.tally.core.period;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Locale;

/**
 * A calendar window in the customer's time zone: what a limit counts over, and the grain of usage rollups.
 */
public enum Window {
    MINUTE, HOUR, DAY, MONTH;

    /** The window of this kind that contains {@code t} for a customer in {@code zone} billed on {@code billingDay}. */
    public Period periodAt(ZoneId zone, int billingDay, Instant t) {
        return switch (this) {
            case MINUTE -> Periods.minute(zone, t);
            case HOUR -> Periods.hour(zone, t);
            case DAY -> Periods.day(zone, t);
            case MONTH -> Periods.billingMonth(zone, billingDay, t);
        };
    }

    /** The name used in the API and in default limit names: {@code minute}, {@code hour}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The window named {@code name}, or null if there is none. */
    public static Window fromWireName(String name) {
        for (Window w : values()) {
            if (w.wireName().equals(name)) {
                return w;
            }
        }
        return null;
    }
}
