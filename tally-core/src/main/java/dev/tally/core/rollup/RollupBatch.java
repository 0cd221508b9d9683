package dev.tally.core.rollup;

import dev.tally.core.event.Buckets;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.period.Window;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rollup increments of a batch of newly stored events, aggregated in memory first so that a batch of a
 * thousand events for a handful of customers becomes a handful of upserts per grain.
 *
 * @param counts  sums by rollup key, for every grain
 * @param latency latency histogram increments by (customer, day, bucket)
 */
public record RollupBatch(Map<RollupKey, RollupCounts> counts, Map<LatencyKey, Long> latency) {
    /** Distinct key strings kept at most by {@link #canonical}; past it, it starts over. */
    static final int MAX_CANONICAL_STRINGS = 100_000;
    private static final Map<String, String> CANONICAL = new ConcurrentHashMap<>();

    /** The grains every event is rolled up into. */
    public static final List<Window> GRAINS = List.of(Window.values());

    /** Aggregates the rollups of {@code entries}, which must all be new (duplicates excluded by the caller). */
    public static RollupBatch of(List<LedgerEntry> entries) {
        return of(entries, GRAINS, true);
    }

    /**
     * Aggregates the rollups of some grains only, with or without the latency histogram (a store that writes some
     * grains at another time asks for them apart).
     */
    public static RollupBatch of(List<LedgerEntry> entries, List<Window> grains, boolean withLatency) {
        Builder builder = new Builder(grains, withLatency);
        entries.forEach(builder::add);
        return builder.build();
    }

    /** A builder of the rollups of every grain and the latency cells, fed one new event at a time. */
    public static Builder builder() {
        return new Builder(GRAINS, true);
    }

    /**
     * Sums events as they come, so that a caller reading many (the roller's pass) keeps the sums, not the events:
     * holding a pass's 100,000 events until they were summed made each young collection during a pass copy them.
     */
    public static final class Builder {
        private final List<Window> grains;
        private final boolean withLatency;
        // Summed first by the event's series and all its buckets at once, then each group into every grain (in
        // build): events of a series share their minute far more often than not, so this is one map lookup and one
        // add an event instead of one per grain (the roller's pass spent half its JVM time in the per-grain lookups).
        private final Map<SeriesBuckets, RollupCounts> groups = new HashMap<>();
        private final Map<LatencyKey, Long> latency = new HashMap<>();

        private Builder(List<Window> grains, boolean withLatency) {
            this.grains = grains;
            this.withLatency = withLatency;
        }

        /** Adds a new event (duplicates excluded by the caller). */
        public void add(LedgerEntry entry) {
            UsageEvent e = entry.event();
            String customer = canonical(e.customerId());
            SeriesBuckets group = new SeriesBuckets(customer, canonical(RollupKey.nonNull(e.provider())),
                    canonical(RollupKey.nonNull(e.model())), canonical(RollupKey.nonNull(e.endpoint())),
                    entry.buckets());
            groups.computeIfAbsent(group, k -> new RollupCounts()).add(entry);
            if (withLatency && e.latencyMs() != null) {
                LatencyKey key = new LatencyKey(customer, entry.buckets().day(),
                        LatencyBuckets.indexOf(e.latencyMs()));
                latency.merge(key, 1L, Long::sum);
            }
        }

        /** The sums of the events added; the builder is not used after. */
        public RollupBatch build() {
            Map<RollupKey, RollupCounts> counts = new HashMap<>();
            groups.forEach((g, sums) -> {
                for (Window grain : grains) {
                    RollupKey key = new RollupKey(g.customer, grain, g.buckets.start(grain), g.provider, g.model,
                            g.endpoint);
                    counts.computeIfAbsent(key, k -> new RollupCounts()).addExactly(sums);
                }
            });
            return new RollupBatch(counts, latency);
        }
    }

    /**
     * The events that sum into the same row of every grain: one series (customer, provider, model, endpoint) and
     * one set of buckets. Its hash is computed once; its strings are {@link #canonical} instances.
     */
    private static final class SeriesBuckets {
        final String customer;
        final String provider;
        final String model;
        final String endpoint;
        final Buckets buckets;
        private final int hash;

        SeriesBuckets(String customer, String provider, String model, String endpoint, Buckets buckets) {
            this.customer = customer;
            this.provider = provider;
            this.model = model;
            this.endpoint = endpoint;
            this.buckets = buckets;
            int h = KeyHash.mix(KeyHash.mix(customer.hashCode(), provider.hashCode()), model.hashCode());
            this.hash = KeyHash.mix(KeyHash.mix(h, endpoint.hashCode()), buckets.minute().hashCode());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SeriesBuckets g && hash == g.hash && customer.equals(g.customer)
                    && endpoint.equals(g.endpoint) && model.equals(g.model) && provider.equals(g.provider)
                    && buckets.equals(g.buckets);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * One instance of each key string (customer, provider, model, endpoint) for all batches: rows of the same key
     * then compare their strings by reference and hash them once. Each event brings new copies of these strings, and
     * comparing and hashing them was most of the work of summing rows into large maps (the SQLite store's pending
     * rollups). Bounded: a flood of distinct endpoints only makes it start over.
     */
    static String canonical(String value) {
        String known = CANONICAL.get(value);
        if (known != null) {
            return known;
        }
        if (CANONICAL.size() >= MAX_CANONICAL_STRINGS) {
            CANONICAL.clear();
        }
        known = CANONICAL.putIfAbsent(value, value);
        return known == null ? value : known;
    }

    /**
     * One cell of a customer's daily latency histogram.
     *
     * @param customerId the customer
     * @param dayStart   the start of the customer-local day
     * @param bucket     the {@link LatencyBuckets} index
     */
    public record LatencyKey(String customerId, Instant dayStart, int bucket) {
    }
}
