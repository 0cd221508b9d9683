package dev.tally.core.notify;

import dev.tally.core.alert.Alert;

/**
 * Writes the JSON body of an alert event ({@code {"type", "timestamp", "data"}}). A port because the core knows no
 * JSON; the server's implementation uses the contract's alert fields.
 */
@FunctionalInterface
public interface EventPayloads {
    /** The event body for {@code alert}, with {@code type} = {@link Alert#eventType()}. */
    String alertEvent(Alert alert);
}
