package dev.tally.core.rollup;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.money.Money;

import java.util.Map;
import java.util.TreeMap;

/**
 * Sums over a set of events: counts of calls, errors and status classes, cost, latency, and the quantity of every
 * sent metric. Used both to accumulate a batch before it is written and to add up rows read back. Not thread-safe.
 */
public final class RollupCounts {
    private long requests;
    private long errors;
    private long status2xx;
    private long status3xx;
    private long status4xx;
    private long status5xx;
    private long costNanos;
    private long unpriced;
    private long latencySumMs;
    private long latencyCount;
    private final Map<String, Long> metricMicros = new TreeMap<>();

    public RollupCounts() {
    }

    /** Rebuilds counts read from a store. */
    public RollupCounts(long requests, long errors, long status2xx, long status3xx, long status4xx, long status5xx,
                        long costNanos, long unpriced, long latencySumMs, long latencyCount,
                        Map<String, Long> metricMicros) {
        this.requests = requests;
        this.errors = errors;
        this.status2xx = status2xx;
        this.status3xx = status3xx;
        this.status4xx = status4xx;
        this.status5xx = status5xx;
        this.costNanos = costNanos;
        this.unpriced = unpriced;
        this.latencySumMs = latencySumMs;
        this.latencyCount = latencyCount;
        this.metricMicros.putAll(metricMicros);
    }

    /** Adds one ledger entry. */
    public void add(LedgerEntry entry) {
        add(entry.event(), entry.cost(), entry.isUnpriced());
    }

    /** Adds one event with its cost and whether it had unpriced usage (for events read back from the ledger). */
    public void add(UsageEvent e, Money cost, boolean unpricedEvent) {
        requests++;
        if (e.isError()) {
            errors++;
        }
        if (e.status() != null) {
            switch (e.status() / 100) {
                case 2 -> status2xx++;
                case 3 -> status3xx++;
                case 4 -> status4xx++;
                case 5 -> status5xx++;
                default -> { }
            }
        }
        costNanos = Math.addExact(costNanos, cost.nanos());
        if (unpricedEvent) {
            unpriced++;
        }
        if (e.latencyMs() != null) {
            latencySumMs += e.latencyMs();
            latencyCount++;
        }
        e.usage().forEach((metric, micros) -> metricMicros.merge(metric, micros, Math::addExact));
    }

    /** Adds other sums to these. */
    public void add(RollupCounts o) {
        requests += o.requests;
        errors += o.errors;
        status2xx += o.status2xx;
        status3xx += o.status3xx;
        status4xx += o.status4xx;
        status5xx += o.status5xx;
        costNanos = Math.addExact(costNanos, o.costNanos);
        unpriced += o.unpriced;
        latencySumMs += o.latencySumMs;
        latencyCount += o.latencyCount;
        o.metricMicros.forEach((metric, micros) -> metricMicros.merge(metric, micros, Math::addExact));
    }

    public long requests() { return requests; }
    public long errors() { return errors; }
    public long status2xx() { return status2xx; }
    public long status3xx() { return status3xx; }
    public long status4xx() { return status4xx; }
    public long status5xx() { return status5xx; }
    public long costNanos() { return costNanos; }
    public long unpriced() { return unpriced; }
    public long latencySumMs() { return latencySumMs; }
    public long latencyCount() { return latencyCount; }

    /** Quantities of sent metrics in micros, by metric name (read-only view). */
    public Map<String, Long> metricMicros() {
        return java.util.Collections.unmodifiableMap(metricMicros);
    }

    /** The largest of all its sums (counts, cost, latency and metric quantities), to bound what adding them risks. */
    public long largestSum() {
        long largest = Math.max(Math.max(Math.max(requests, errors), Math.max(status2xx, status3xx)),
                Math.max(Math.max(status4xx, status5xx), Math.max(costNanos, unpriced)));
        largest = Math.max(largest, Math.max(latencySumMs, latencyCount));
        for (long micros : metricMicros.values()) {
            largest = Math.max(largest, micros);
        }
        return largest;
    }

    /** Micros of one sent metric, 0 if none. */
    public long micros(String metric) {
        return metricMicros.getOrDefault(metric, 0L);
    }
}
