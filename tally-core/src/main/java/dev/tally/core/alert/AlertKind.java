package dev.tally.core.alert;

import java.util.Locale;

/** Why an alert fired; the wire name is the lower-case constant ({@code rate_spike}). */
public enum AlertKind {
    /** Usage crossed one of a limit's thresholds (50/80/100% by default), soft and hard limits alike. */
    THRESHOLD,
    /** A hard limit denied a call, or a soft limit went over 100%. */
    EXCEEDED,
    /** A customer's short-window request rate is far above its own trailing baseline. */
    RATE_SPIKE,
    /** Monthly cost crossed a configured amount, for one customer or globally. */
    COST,
    /** Usage arrived for a provider, model or metric without a price. */
    UNPRICED,
    /** At the current burn rate a monthly limit runs out before the period ends. */
    FORECAST;

    /** The name used in JSON and in webhook event types ({@code alert.<wire name>}). */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kind with this wire name, or empty. */
    public static java.util.Optional<AlertKind> fromWire(String name) {
        for (AlertKind k : values()) {
            if (k.wireName().equals(name)) {
                return java.util.Optional.of(k);
            }
        }
        return java.util.Optional.empty();
    }
}
