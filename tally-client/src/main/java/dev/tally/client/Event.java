package dev.tally.client;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A usage event: one call a customer made, and what it used. Built with {@link #builder(String)}:
 * <pre>{@code
 * Event e = Event.builder("acme").provider("openai").model("gpt-4").endpoint("/api/chat")
 *         .usage("input_tokens", 500).usage("output_tokens", 200).reservation(decision.reservation()).build();
 * }</pre>
 *
 * <p>Null fields are left out of the request. The server validates the rest (see the API reference).
 *
 * @param id          the event's unique id; the builder generates one when none is given, so that sending the same
 *                    event again is acknowledged as a duplicate and never counted twice
 * @param customer    the customer's id; required
 * @param timestamp   when the call happened, or null for the time the server receives it
 * @param provider    the upstream provider, or null
 * @param model       the upstream model, or null
 * @param endpoint    the product's endpoint, or null
 * @param method      the HTTP method, or null
 * @param status      the HTTP status of the call, or null; 400 and above count as errors
 * @param latencyMs   how long the call took in milliseconds, or null
 * @param user        the end user within the customer, or null
 * @param usage       quantities by metric, e.g. {@code input_tokens}; empty for none
 * @param cost        a cost in USD that replaces catalog pricing, or null
 * @param reservation the reservation this event settles, or null
 * @param metadata    free-form string attributes; empty for none
 */
public record Event(String id, String customer, Instant timestamp, String provider, String model, String endpoint,
                    String method, Integer status, Long latencyMs, String user, Map<String, Number> usage,
                    BigDecimal cost, String reservation, Map<String, String> metadata) {
    public Event {
        Objects.requireNonNull(customer, "customer");
        usage = usage == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(usage));
        usage.forEach(Numbers::requireFinite);
        metadata = metadata == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
    }

    /** A builder of an event of {@code customer}. */
    public static Builder builder(String customer) {
        return new Builder(customer);
    }

    /** A fresh unique event id: {@code evt_} and a random UUID. */
    public static String newId() {
        return "evt_" + UUID.randomUUID();
    }

    /** Builds an {@link Event}; every setter accepts null for "leave out". */
    public static final class Builder {
        private final String customer;
        private String id;
        private Instant timestamp;
        private String provider;
        private String model;
        private String endpoint;
        private String method;
        private Integer status;
        private Long latencyMs;
        private String user;
        private final Map<String, Number> usage = new LinkedHashMap<>();
        private BigDecimal cost;
        private String reservation;
        private final Map<String, String> metadata = new LinkedHashMap<>();

        private Builder(String customer) {
            this.customer = Objects.requireNonNull(customer, "customer");
        }

        public Builder id(String value) { id = value; return this; }
        public Builder timestamp(Instant value) { timestamp = value; return this; }
        public Builder provider(String value) { provider = value; return this; }
        public Builder model(String value) { model = value; return this; }
        public Builder endpoint(String value) { endpoint = value; return this; }
        public Builder method(String value) { method = value; return this; }
        public Builder status(Integer value) { status = value; return this; }
        public Builder latencyMs(Long value) { latencyMs = value; return this; }
        public Builder user(String value) { user = value; return this; }
        public Builder cost(BigDecimal usd) { cost = usd; return this; }
        public Builder reservation(String value) { reservation = value; return this; }

        /** Adds {@code quantity} of {@code metric}, replacing an earlier quantity of it. */
        public Builder usage(String metric, Number quantity) {
            Numbers.requireFinite(Objects.requireNonNull(metric, "metric"), quantity);
            usage.put(metric, quantity);
            return this;
        }

        /** Adds every quantity of {@code quantities}. */
        public Builder usage(Map<String, ? extends Number> quantities) {
            quantities.forEach(this::usage);
            return this;
        }

        public Builder metadata(String key, String value) {
            metadata.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The event; with a new {@link #newId() id} if none was set. */
        public Event build() {
            return new Event(id == null ? newId() : id, customer, timestamp, provider, model, endpoint, method,
                    status, latencyMs, user, usage, cost, reservation, metadata);
        }
    }
}
