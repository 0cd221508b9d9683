package dev.tally.core.rollup;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Sums over a set of events: counts of calls, errors and status classes, cost, latency, and the quantity of every
 * sent metric. Used both to accumulate a batch before it is written and to add up rows read back. Not thread-safe.
 *
 * <p>The token metrics, which nearly every event of an AI product carries, are plain fields; other metrics are in a
 * map made when the first one is added. Ingestion adds to these sums several times per event (one row per grain, then
 * the pending sums of the SQLite store), and a sorted map's lookups and boxing were most of that work.
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
    private long inputTokens;
    private long outputTokens;
    private long cachedTokens;
    /** Which token metrics were sent (bits of {@link #INPUT}, {@link #OUTPUT}, {@link #CACHED}), even as 0. */
    private int tokensSent;
    /** The other metrics' quantities, null until one is added. */
    private TreeMap<String, Long> otherMetrics;

    private static final int INPUT = 1;
    private static final int OUTPUT = 2;
    private static final int CACHED = 4;

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
        metricMicros.forEach((metric, micros) -> addMetric(metric, micros, false));
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
        for (Map.Entry<String, Long> metric : e.usage().entrySet()) {
            addMetric(metric.getKey(), metric.getValue(), true);
        }
    }

    /** Adds a quantity: exactly (throwing on overflow) for events being written, saturating for sums read back. */
    private void addMetric(String metric, long micros, boolean exact) {
        switch (metric) {
            case Metrics.INPUT_TOKENS -> {
                inputTokens = sum(inputTokens, micros, exact);
                tokensSent |= INPUT;
            }
            case Metrics.OUTPUT_TOKENS -> {
                outputTokens = sum(outputTokens, micros, exact);
                tokensSent |= OUTPUT;
            }
            case Metrics.CACHED_TOKENS -> {
                cachedTokens = sum(cachedTokens, micros, exact);
                tokensSent |= CACHED;
            }
            default -> {
                if (otherMetrics == null) {
                    otherMetrics = new TreeMap<>();
                }
                otherMetrics.merge(metric, micros, exact ? Math::addExact : Bounds::saturatedSum);
            }
        }
    }

    private static long sum(long a, long b, boolean exact) {
        return exact ? Math.addExact(a, b) : Bounds.saturatedSum(a, b);
    }

    /**
     * Adds other sums to these, saturating at {@link Long#MAX_VALUE}: stored sums are bounded one by one (an event
     * that would take one past a long is refused), but a read may add many of them, and a report must show the
     * largest value it can rather than fail (issue 11).
     */
    public void add(RollupCounts o) {
        addAll(o, false);
    }

    /**
     * Adds the sums of other events, exactly: a sum that would pass a long throws, as adding the events one by one
     * would ({@link #add(UsageEvent, Money, boolean)}).
     */
    public void addExactly(RollupCounts o) {
        addAll(o, true);
    }

    private void addAll(RollupCounts o, boolean exact) {
        requests = sum(requests, o.requests, exact);
        errors = sum(errors, o.errors, exact);
        status2xx = sum(status2xx, o.status2xx, exact);
        status3xx = sum(status3xx, o.status3xx, exact);
        status4xx = sum(status4xx, o.status4xx, exact);
        status5xx = sum(status5xx, o.status5xx, exact);
        costNanos = sum(costNanos, o.costNanos, exact);
        unpriced = sum(unpriced, o.unpriced, exact);
        latencySumMs = sum(latencySumMs, o.latencySumMs, exact);
        latencyCount = sum(latencyCount, o.latencyCount, exact);
        inputTokens = sum(inputTokens, o.inputTokens, exact);
        outputTokens = sum(outputTokens, o.outputTokens, exact);
        cachedTokens = sum(cachedTokens, o.cachedTokens, exact);
        tokensSent |= o.tokensSent;
        if (o.otherMetrics != null) {
            o.otherMetrics.forEach((metric, micros) -> addMetric(metric, micros, exact));
        }
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

    /** Quantities of sent metrics in micros, by metric name, sorted (a read-only copy). */
    public Map<String, Long> metricMicros() {
        if (tokensSent == 0 && otherMetrics == null) {
            return Collections.emptySortedMap();
        }
        SortedMap<String, Long> all = otherMetrics == null ? new TreeMap<>() : new TreeMap<>(otherMetrics);
        if ((tokensSent & INPUT) != 0) {
            all.put(Metrics.INPUT_TOKENS, inputTokens);
        }
        if ((tokensSent & OUTPUT) != 0) {
            all.put(Metrics.OUTPUT_TOKENS, outputTokens);
        }
        if ((tokensSent & CACHED) != 0) {
            all.put(Metrics.CACHED_TOKENS, cachedTokens);
        }
        return Collections.unmodifiableSortedMap(all);
    }

    /** The largest of all its sums (counts, cost, latency and metric quantities), to bound what adding them risks. */
    public long largestSum() {
        long largest = Math.max(Math.max(Math.max(requests, errors), Math.max(status2xx, status3xx)),
                Math.max(Math.max(status4xx, status5xx), Math.max(costNanos, unpriced)));
        largest = Math.max(largest, Math.max(latencySumMs, latencyCount));
        largest = Math.max(largest, Math.max(inputTokens, Math.max(outputTokens, cachedTokens)));
        if (otherMetrics != null) {
            for (long micros : otherMetrics.values()) {
                largest = Math.max(largest, micros);
            }
        }
        return largest;
    }

    /** Micros of one sent metric, 0 if none. */
    public long micros(String metric) {
        return switch (metric) {
            case Metrics.INPUT_TOKENS -> inputTokens;
            case Metrics.OUTPUT_TOKENS -> outputTokens;
            case Metrics.CACHED_TOKENS -> cachedTokens;
            default -> otherMetrics == null ? 0 : otherMetrics.getOrDefault(metric, 0L);
        };
    }
}
