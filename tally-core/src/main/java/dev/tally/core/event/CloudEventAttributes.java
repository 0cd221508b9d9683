package dev.tally.core.event;

import java.util.Objects;

/**
 * The CloudEvents context of a usage event that arrived as a CloudEvent: what Tally keeps besides the fields it
 * meters ({@code id} is the event's id, {@code subject} its customer, {@code time} its timestamp).
 *
 * <p>Idempotency follows CloudEvents: two CloudEvents are the same when their {@code source} and {@code id} are both
 * equal. A plain event has no source, so its id never collides with a CloudEvent's (see {@link UsageEvent#source()}).
 *
 * @param source         the CloudEvents {@code source}, a non-empty URI-reference
 * @param type           the CloudEvents {@code type}, non-empty
 * @param attributesJson the other optional attributes the sender set ({@code dataschema} and every extension
 *                       attribute) as a JSON object text, or null when there were none
 */
public record CloudEventAttributes(String source, String type, String attributesJson) {
    public CloudEventAttributes {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(type, "type");
        if (source.isEmpty()) {
            // The empty source stands for "a plain event" in the store's idempotency key.
            throw new IllegalArgumentException("source must not be empty");
        }
    }
}
