package dev.tally.core.alert;

import java.util.Locale;

/**
 * Where an alert is in its life: {@code ACTIVE} when it fires, {@code ACKNOWLEDGED} once someone has seen it, and
 * {@code RESOLVED} by a person or by itself when its cause goes away. Only a resolved alert may fire again.
 */
public enum AlertState {
    ACTIVE, ACKNOWLEDGED, RESOLVED;

    /** The name used in JSON and query parameters. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The state with this wire name, or empty. */
    public static java.util.Optional<AlertState> fromWire(String name) {
        for (AlertState s : values()) {
            if (s.wireName().equals(name)) {
                return java.util.Optional.of(s);
            }
        }
        return java.util.Optional.empty();
    }
}
