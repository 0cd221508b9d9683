package dev.tally.store;

import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupBatch.LatencyKey;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A batch's rollup increments in write order, built before the write transaction so that sorting and grouping cost
 * no time under the write lock.
 *
 * <p>Rows are sorted by key, cells by (customer, day, bucket): concurrent PostgreSQL writers then lock rows in the same
 * order and cannot deadlock. The rows are also grouped by series (customer, provider, model, endpoint): a series
 * whose events of this batch fall in one bucket of every grain, the usual case, adds the same sums to its row of
 * every grain, which SQLite writes in one statement execution.
 *
 * @param rows    every rollup row, by key
 * @param series  the series with one row per grain, in the order of {@code rows}
 * @param singles the rows of the other series (their events straddle a bucket boundary), by key
 * @param latency the latency histogram cells, by key
 */
record RollupIncrements(List<Map.Entry<RollupKey, RollupCounts>> rows, List<Series> series,
                        List<Map.Entry<RollupKey, RollupCounts>> singles, List<Map.Entry<LatencyKey, Long>> latency) {
    /**
     * Orders series by customer, provider, model and endpoint. Written out rather than chained with
     * {@code Comparator.comparing}: the sort runs for every batch, and the chain's lambdas were a measurable part of
     * preparing it.
     */
    private static final Comparator<SeriesKey> SERIES_ORDER = RollupIncrements::compareSeries;
    /** Within a series: grain, then bucket start. */
    private static final Comparator<Map.Entry<RollupKey, RollupCounts>> IN_SERIES_ORDER = (a, b) -> {
        int c = a.getKey().grain().compareTo(b.getKey().grain());
        return c != 0 ? c : a.getKey().bucketStart().compareTo(b.getKey().bucketStart());
    };
    private static final Comparator<LatencyKey> LATENCY_ORDER = (a, b) -> {
        int c = a.customerId().compareTo(b.customerId());
        if (c == 0) {
            c = a.dayStart().compareTo(b.dayStart());
        }
        return c != 0 ? c : Integer.compare(a.bucket(), b.bucket());
    };
    private static final int ALL_GRAINS = Window.values().length;

    /**
     * The rows of one series, one per grain written, that all add the same sums.
     *
     * @param first        the key of its first row (for the customer, provider, model and endpoint)
     * @param bucketStarts the bucket start of each grain written, by {@link Window#ordinal()} (null for the others)
     * @param counts       the sums every one of the rows adds
     */
    record Series(RollupKey first, Instant[] bucketStarts, RollupCounts counts) {
    }

    /** The rollup series a row belongs to: its key without grain and bucket. */
    private record SeriesKey(String customerId, String provider, String model, String endpoint) {
        static SeriesKey of(RollupKey key) {
            return new SeriesKey(key.customerId(), key.provider(), key.model(), key.endpoint());
        }
    }

    private static int compareSeries(SeriesKey a, SeriesKey b) {
        int c = a.customerId().compareTo(b.customerId());
        if (c == 0) {
            c = a.provider().compareTo(b.provider());
        }
        if (c == 0) {
            c = a.model().compareTo(b.model());
        }
        return c != 0 ? c : a.endpoint().compareTo(b.endpoint());
    }

    /**
     * Groups the rows by series in a hash map and sorts only the series (a quarter of the rows) and the few rows
     * within each, instead of comparing every row's six key parts in one big sort.
     */
    static RollupIncrements of(RollupBatch batch) {
        Map<RollupKey, RollupCounts> counts = batch.counts();
        Map<SeriesKey, List<Map.Entry<RollupKey, RollupCounts>>> bySeries = new HashMap<>();
        for (Map.Entry<RollupKey, RollupCounts> row : counts.entrySet()) {
            bySeries.computeIfAbsent(SeriesKey.of(row.getKey()), k -> new ArrayList<>(ALL_GRAINS)).add(row);
        }
        List<SeriesKey> order = new ArrayList<>(bySeries.keySet());
        order.sort(SERIES_ORDER);
        List<Map.Entry<RollupKey, RollupCounts>> rows = new ArrayList<>(counts.size());
        List<Series> series = new ArrayList<>(order.size());
        List<Map.Entry<RollupKey, RollupCounts>> singles = new ArrayList<>();
        for (SeriesKey key : order) {
            List<Map.Entry<RollupKey, RollupCounts>> group = bySeries.get(key);
            group.sort(IN_SERIES_ORDER);
            rows.addAll(group);
            if (group.size() == ALL_GRAINS && oneRowPerGrain(group)) {
                // Every event adds to every grain: one row per grain means one bucket per grain, each summing
                // exactly the same events.
                series.add(series(group));
            } else {
                singles.addAll(group);
            }
        }
        List<Map.Entry<LatencyKey, Long>> latency = new ArrayList<>(batch.latency().entrySet());
        latency.sort(Map.Entry.comparingByKey(LATENCY_ORDER));
        return new RollupIncrements(rows, series, singles, latency);
    }

    /**
     * Whether no two rows of a group (sorted by grain) share a grain. Rows summed from sources with different grains
     * (a start-up folding minute rows only for some events and every grain for others) can make a group of the
     * right size that is not a series.
     */
    private static boolean oneRowPerGrain(List<Map.Entry<RollupKey, RollupCounts>> group) {
        for (int i = 1; i < group.size(); i++) {
            if (group.get(i).getKey().grain() == group.get(i - 1).getKey().grain()) {
                return false;
            }
        }
        return true;
    }

    private static Series series(List<Map.Entry<RollupKey, RollupCounts>> group) {
        Instant[] starts = new Instant[ALL_GRAINS];
        for (Map.Entry<RollupKey, RollupCounts> row : group) {
            starts[row.getKey().grain().ordinal()] = row.getKey().bucketStart();
        }
        return new Series(group.get(0).getKey(), starts, group.get(0).getValue());
    }
}
