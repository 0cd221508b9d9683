package dev.tally.core.notify;

import java.util.Locale;
import java.util.Optional;

/**
 * Where an outbox row is: {@code PENDING} until its first attempt, {@code FAILED} after a failed attempt with
 * another one scheduled, {@code DELIVERED} once a receiver accepted it, {@code DEAD} when attempts ran out (or its
 * channel was deleted). Only pending and failed rows are ever attempted.
 */
public enum DeliveryState {
    PENDING, FAILED, DELIVERED, DEAD;

    /** The name used in JSON and query parameters. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether a row in this state still waits for an attempt. */
    public boolean isOpen() {
        return this == PENDING || this == FAILED;
    }

    /** The state with this wire name, or empty. */
    public static Optional<DeliveryState> fromWire(String name) {
        for (DeliveryState s : values()) {
            if (s.wireName().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
