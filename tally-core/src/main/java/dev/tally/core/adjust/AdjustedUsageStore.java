package dev.tally.core.adjust;

import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.metric.Metrics;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;

/**
 * The usage ledger as billing sees it: the stored rollups, with each adjustment read as one more month row of its
 * customer's billing month (provider, model and endpoint empty).
 *
 * <p>Why a view rather than writing adjustments into the rollups: every reader of month sums (the report, the
 * overview, history, limit states, alert checks, the counter rebuild) then counts adjustments the same way, while the
 * rollups stay exactly the sums of stored events, which re-rating and the write path rely on. Only month reads change:
 * an adjustment belongs to a billing month, not to a day or minute.
 */
public final class AdjustedUsageStore implements UsageStore {
    private final UsageStore usage;
    private final AdjustmentStore adjustments;

    public AdjustedUsageStore(UsageStore usage, AdjustmentStore adjustments) {
        this.usage = usage;
        this.adjustments = adjustments;
    }

    /** One adjustment as a month rollup row. */
    public static RollupRow row(Adjustment a) {
        boolean requestsMetric = Metrics.REQUESTS.equals(a.metric());
        boolean costMetric = Metrics.COST.equals(a.metric());
        long requests = requestsMetric ? a.raw() : 0;
        long cost = costMetric ? a.raw() : 0;
        Map<String, Long> metrics = requestsMetric || costMetric ? Map.of() : Map.of(a.metric(), a.raw());
        RollupCounts counts = new RollupCounts(requests, 0, 0, 0, 0, 0, cost, 0, 0, 0, metrics);
        return new RollupRow(new RollupKey(a.customerId(), Window.MONTH, a.periodStart(), "", "", ""), counts);
    }

    @Override
    public boolean[] append(List<LedgerEntry> entries) {
        return usage.append(entries);
    }

    @Override
    public PreparedAppend prepareAppend(List<LedgerEntry> entries) {
        return usage.prepareAppend(entries);
    }

    /** End users' usage is the events' only: an adjustment has no end user. */
    @Override
    public dev.tally.core.rollup.EndUserUsage endUserUsage(String customerId, Instant monthStart) {
        return usage.endUserUsage(customerId, monthStart);
    }

    @Override
    public dev.tally.core.rollup.EndUserUsage endUserUsageOfDays(String customerId, Instant from, Instant to) {
        return usage.endUserUsageOfDays(customerId, from, to);
    }

    @Override
    public dev.tally.core.rollup.EndUserTotals endUserTotals(String customerId, Instant monthStart, String user) {
        return usage.endUserTotals(customerId, monthStart, user);
    }

    @Override
    public List<RollupRow> rollups(String customerId, Window grain, Instant from, Instant to) {
        List<RollupRow> rows = usage.rollups(customerId, grain, from, to);
        return grain == Window.MONTH ? withAdjustments(rows, customerId, from, to) : rows;
    }

    @Override
    public List<RollupRow> rollupTotalsByBucket(String customerId, Window grain, Instant from, Instant to) {
        List<RollupRow> rows = usage.rollupTotalsByBucket(customerId, grain, from, to);
        if (grain != Window.MONTH) {
            return rows;
        }
        return RollupDimension.sum(withAdjustments(rows, customerId, from, to), Set.of());
    }

    @Override
    public List<RollupRow> rollupSums(Window grain, Instant from, Instant to, Set<RollupDimension> keep) {
        List<RollupRow> rows = usage.rollupSums(grain, from, to, keep);
        if (grain != Window.MONTH) {
            return rows;
        }
        List<RollupRow> all = withAdjustments(rows, null, from, to);
        return all.size() == rows.size() ? rows : RollupDimension.sum(all, keep);
    }

    private List<RollupRow> withAdjustments(List<RollupRow> rows, String customerId, Instant from, Instant to) {
        List<Adjustment> found = adjustments.adjustments(customerId, from, to);
        if (found.isEmpty()) {
            return rows;
        }
        List<RollupRow> all = new ArrayList<>(rows.size() + found.size());
        all.addAll(rows);
        found.forEach(a -> all.add(row(a)));
        return all;
    }

    @Override
    public SortedMap<Integer, Long> latencyHistogram(String customerId, Instant from, Instant to) {
        return usage.latencyHistogram(customerId, from, to);
    }

    @Override
    public EventPage events(EventQuery query) {
        return usage.events(query);
    }

    @Override
    public long countEvents() {
        return usage.countEvents();
    }

    @Override
    public long deleteEventsReceivedBefore(Instant cutoff) {
        return usage.deleteEventsReceivedBefore(cutoff);
    }

    @Override
    public long deleteRollupsBefore(Window grain, Instant cutoff) {
        return usage.deleteRollupsBefore(grain, cutoff);
    }
}
