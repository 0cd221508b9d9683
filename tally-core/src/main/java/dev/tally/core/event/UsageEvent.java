package dev.tally.core.event;

import dev.tally.core.money.Money;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One metered call, as sent by the product and validated.
 *
 * @param id          the sender's id, which makes resending safe; generated ({@code evt_...}) when not sent
 * @param customerId  who made the call
 * @param timestamp   when the call happened
 * @param provider    upstream service, e.g. {@code openai}; null if none
 * @param model       upstream model, e.g. {@code gpt-4}; null if none
 * @param endpoint    the product's endpoint, e.g. {@code /api/chat}; null if none
 * @param method      HTTP method of the call; null if none
 * @param status      HTTP status of the call; null if unknown
 * @param latencyMs   how long the call took; null if unknown
 * @param user        the customer's end user, free text; null if none
 * @param usageMicros quantities by metric name, in micros ({@link dev.tally.core.metric.Quantity}), sorted by name
 * @param costOverride a price the sender set, which replaces catalog pricing; null to price from the catalog
 * @param reservation the reservation this event settles; null if none
 * @param metadataJson free-form metadata as a JSON object text; null if none
 * @param cloudEvent  the CloudEvents context when the event arrived as a CloudEvent; null for a plain event
 * @param dimensions  the event's dimensions ({@code platform -> instagram}), sorted by key; empty if none
 *                    ({@link EndUsers} has their rules)
 */
public record UsageEvent(String id, String customerId, Instant timestamp, String provider, String model,
                         String endpoint, String method, Integer status, Long latencyMs, String user,
                         SortedMap<String, Long> usageMicros, Money costOverride, String reservation,
                         String metadataJson, CloudEventAttributes cloudEvent, SortedMap<String, String> dimensions) {
    /** The key part that tells a plain event's id from a CloudEvent's: plain events have none. */
    public static final String PLAIN_SOURCE = "";

    public UsageEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(customerId, "customerId");
        Objects.requireNonNull(timestamp, "timestamp");
        usageMicros = usageMicros == null ? new TreeMap<>() : usageMicros;
        dimensions = dimensions == null ? EndUsers.NONE : dimensions;
    }

    /** An event without dimensions, plain or a CloudEvent. */
    public UsageEvent(String id, String customerId, Instant timestamp, String provider, String model,
                      String endpoint, String method, Integer status, Long latencyMs, String user,
                      SortedMap<String, Long> usageMicros, Money costOverride, String reservation,
                      String metadataJson, CloudEventAttributes cloudEvent) {
        this(id, customerId, timestamp, provider, model, endpoint, method, status, latencyMs, user, usageMicros,
                costOverride, reservation, metadataJson, cloudEvent, null);
    }

    /** A plain event (not a CloudEvent). */
    public UsageEvent(String id, String customerId, Instant timestamp, String provider, String model,
                      String endpoint, String method, Integer status, Long latencyMs, String user,
                      SortedMap<String, Long> usageMicros, Money costOverride, String reservation,
                      String metadataJson) {
        this(id, customerId, timestamp, provider, model, endpoint, method, status, latencyMs, user, usageMicros,
                costOverride, reservation, metadataJson, null, null);
    }

    /**
     * The other half of the event's idempotency key, beside {@link #id()}: the CloudEvents {@code source}, or
     * {@link #PLAIN_SOURCE} for a plain event. Two events are the same when both halves are equal.
     */
    public String source() {
        return cloudEvent == null ? PLAIN_SOURCE : cloudEvent.source();
    }

    /** This event with the CloudEvents context it arrived with. */
    public UsageEvent withCloudEvent(CloudEventAttributes attributes) {
        return new UsageEvent(id, customerId, timestamp, provider, model, endpoint, method, status, latencyMs, user,
                usageMicros, costOverride, reservation, metadataJson, attributes, dimensions);
    }

    /** This event with {@code dimensions} (sorted by key; empty for none). */
    public UsageEvent withDimensions(SortedMap<String, String> dimensions) {
        return new UsageEvent(id, customerId, timestamp, provider, model, endpoint, method, status, latencyMs, user,
                usageMicros, costOverride, reservation, metadataJson, cloudEvent, dimensions);
    }

    /** Whether the call failed: a status of 400 or above. */
    public boolean isError() {
        return status != null && status >= 400;
    }

    /** Usage quantities as an unmodifiable view. */
    public Map<String, Long> usage() {
        return java.util.Collections.unmodifiableMap(usageMicros);
    }
}
