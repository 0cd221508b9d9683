package dev.tally.store;

import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupBatch.LatencyKey;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A batch's rollup increments in write order, built before the write transaction so that sorting and grouping cost
 * no time under the write lock.
 *
 * <p>Rows are sorted by key, cells by (customer, day, bucket): concurrent PostgreSQL writers then lock rows in the same
 * order and cannot deadlock. The rows are also grouped by series (customer, provider, model, endpoint): a series
 * whose events of this batch fall in one bucket of every grain, the usual case, adds the same sums to its minute,
 * hour, day and month rows, which SQLite writes in one statement execution.
 *
 * @param rows    every rollup row, by key
 * @param series  the series with one row per grain, in the order of {@code rows}
 * @param singles the rows of the other series (their events straddle a bucket boundary), by key
 * @param latency the latency histogram cells, by key
 */
record RollupIncrements(List<Map.Entry<RollupKey, RollupCounts>> rows, List<Series> series,
                        List<Map.Entry<RollupKey, RollupCounts>> singles, List<Map.Entry<LatencyKey, Long>> latency) {
    /**
     * Series first (customer, provider, model, endpoint), then grain and bucket. Written out rather than chained with
     * {@code Comparator.comparing}: the sort runs on the single writer's critical path, and the chain's lambdas were
     * a measurable part of it.
     */
    private static final Comparator<RollupKey> KEY_ORDER = RollupIncrements::compareKeys;
    private static final Comparator<LatencyKey> LATENCY_ORDER = Comparator.comparing(LatencyKey::customerId)
            .thenComparing(LatencyKey::dayStart)
            .thenComparingInt(LatencyKey::bucket);
    private static final int GRAINS = Window.values().length;

    /**
     * The four rows of one series that all add the same sums.
     *
     * @param first        the key of its minute row (for the customer, provider, model and endpoint)
     * @param bucketStarts the bucket start of each grain, by {@link Window#ordinal()}
     * @param counts       the sums every one of the rows adds
     */
    record Series(RollupKey first, Instant[] bucketStarts, RollupCounts counts) {
    }

    private static int compareKeys(RollupKey a, RollupKey b) {
        int c = a.customerId().compareTo(b.customerId());
        if (c == 0) {
            c = a.provider().compareTo(b.provider());
        }
        if (c == 0) {
            c = a.model().compareTo(b.model());
        }
        if (c == 0) {
            c = a.endpoint().compareTo(b.endpoint());
        }
        if (c == 0) {
            c = a.grain().compareTo(b.grain());
        }
        return c != 0 ? c : a.bucketStart().compareTo(b.bucketStart());
    }

    static RollupIncrements of(RollupBatch batch) {
        List<Map.Entry<RollupKey, RollupCounts>> rows = new ArrayList<>(batch.counts().entrySet());
        rows.sort(Map.Entry.comparingByKey(KEY_ORDER));
        List<Series> series = new ArrayList<>(rows.size() / GRAINS);
        List<Map.Entry<RollupKey, RollupCounts>> singles = new ArrayList<>();
        group(rows, series, singles);
        List<Map.Entry<LatencyKey, Long>> latency = new ArrayList<>(batch.latency().entrySet());
        latency.sort(Map.Entry.comparingByKey(LATENCY_ORDER));
        return new RollupIncrements(rows, series, singles, latency);
    }

    /** Splits rows sorted by series then grain into whole series and leftover single rows. */
    private static void group(List<Map.Entry<RollupKey, RollupCounts>> rows, List<Series> series,
                              List<Map.Entry<RollupKey, RollupCounts>> singles) {
        int i = 0;
        while (i < rows.size()) {
            int end = i + 1;
            while (end < rows.size() && sameSeries(rows.get(i).getKey(), rows.get(end).getKey())) {
                end++;
            }
            List<Map.Entry<RollupKey, RollupCounts>> group = rows.subList(i, end);
            if (group.size() == GRAINS) {
                // Sorted by grain within the series, and every event adds to every grain: four rows mean one
                // bucket per grain, each summing exactly the same events.
                series.add(series(group));
            } else {
                singles.addAll(group);
            }
            i = end;
        }
    }

    private static Series series(List<Map.Entry<RollupKey, RollupCounts>> group) {
        Instant[] starts = new Instant[GRAINS];
        for (Map.Entry<RollupKey, RollupCounts> row : group) {
            starts[row.getKey().grain().ordinal()] = row.getKey().bucketStart();
        }
        return new Series(group.get(0).getKey(), starts, group.get(0).getValue());
    }

    private static boolean sameSeries(RollupKey a, RollupKey b) {
        return a.customerId().equals(b.customerId()) && a.provider().equals(b.provider())
                && a.model().equals(b.model()) && a.endpoint().equals(b.endpoint());
    }
}
