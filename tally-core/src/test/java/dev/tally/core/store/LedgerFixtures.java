package dev.tally.core.store;

import dev.tally.core.event.Buckets;
import dev.tally.core.event.CloudEventAttributes;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Ledger entries for store tests: {@code event("e1").customer("acme").status(500).build()}. Defaults: customer
 * {@code acme} in UTC billed on the 1st, at {@link #T0}, openai / gpt-4o / /v1/chat, POST, status 200, 120 ms, 500
 * input and 100 output tokens, a cost of 1,000 nano-dollars, received when it happened.
 */
public final class LedgerFixtures {
    /** 2026-11-20T10:15:30Z: minute 10:15, hour 10:00, day Nov 20, billing month from Nov 1 (UTC, day 1). */
    public static final Instant T0 = Instant.parse("2026-11-20T10:15:30Z");

    private LedgerFixtures() {
    }

    public static Builder event(String id) {
        return new Builder(id);
    }

    /** A mutable builder of one ledger entry. */
    public static final class Builder {
        private final String id;
        private String customer = "acme";
        private Instant at = T0;
        private Instant received;
        private String provider = "openai";
        private String model = "gpt-4o";
        private String endpoint = "/v1/chat";
        private String method = "POST";
        private Integer status = 200;
        private Long latencyMs = 120L;
        private String user;
        private final TreeMap<String, Long> usage = new TreeMap<>();
        private Money costOverride;
        private String reservation;
        private String metadata;
        private CloudEventAttributes cloudEvent;
        private long costNanos = 1_000;
        private List<String> unpriced = List.of();
        private ZoneId zone = ZoneOffset.UTC;
        private Map<String, String> dimensions = Map.of();

        private Builder(String id) {
            this.id = id;
            usage.put("input_tokens", Quantity.ofUnits(500));
            usage.put("output_tokens", Quantity.ofUnits(100));
        }

        public Builder customer(String value) { customer = value; return this; }
        public Builder at(Instant value) { at = value; return this; }
        public Builder received(Instant value) { received = value; return this; }
        public Builder provider(String value) { provider = value; return this; }
        public Builder model(String value) { model = value; return this; }
        public Builder endpoint(String value) { endpoint = value; return this; }
        public Builder method(String value) { method = value; return this; }
        public Builder status(Integer value) { status = value; return this; }
        public Builder latencyMs(Long value) { latencyMs = value; return this; }
        public Builder user(String value) { user = value; return this; }
        public Builder costOverride(Money value) { costOverride = value; return this; }
        public Builder reservation(String value) { reservation = value; return this; }
        public Builder metadata(String value) { metadata = value; return this; }
        public Builder cloudEvent(CloudEventAttributes value) { cloudEvent = value; return this; }
        public Builder costNanos(long value) { costNanos = value; return this; }
        public Builder unpriced(String... metrics) { unpriced = List.of(metrics); return this; }
        public Builder zone(ZoneId value) { zone = value; return this; }
        public Builder dimensions(Map<String, String> value) { dimensions = value; return this; }

        /** Sets a sent metric's quantity in micros. */
        public Builder usage(String metric, long micros) {
            usage.put(metric, micros);
            return this;
        }

        public Builder noUsage() {
            usage.clear();
            return this;
        }

        public LedgerEntry build() {
            UsageEvent event = new UsageEvent(id, customer, at, provider, model, endpoint, method, status, latencyMs,
                    user, new TreeMap<>(usage), costOverride, reservation, metadata, cloudEvent,
                    dimensions.isEmpty() ? null : new TreeMap<>(dimensions));
            return new LedgerEntry(event, Money.ofNanos(costNanos), unpriced, received == null ? at : received,
                    Buckets.of(zone, 1, at));
        }
    }
}
