package dev.tally.store;

import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupBatch.LatencyKey;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;

/**
 * Ships rollup rows to SQLite as JDBC batches. sqlite-jdbc makes one native call per bound value, which cost more
 * than SQLite's own work on a row, so a series with one bucket per grain binds its customer, provider, model,
 * endpoint and sums once for all four grain rows ({@link UpsertSql#perSeries}).
 */
final class SqliteRollupWriter implements RollupWriter {
    private static final String UPSERT_ROLLUP = UpsertSql.perRow("usage_rollup", KEY, SUMS);
    private static final String UPSERT_METRIC = UpsertSql.perRow("usage_rollup_metric", METRIC_KEY, METRIC_SUMS);
    private static final String UPSERT_LATENCY = UpsertSql.perRow("latency_rollup", LATENCY_KEY, LATENCY_SUMS);

    /** A series ({@link RollupIncrements.Series}) carries a row of each grain. */
    private static final String UPSERT_SERIES = UpsertSql.perSeries("usage_rollup", KEY, SUMS,
            RollupBatch.GRAINS.stream().map(Grains::name).toList());

    @Override
    public void add(Connection connection, RollupIncrements increments) throws SQLException {
        upsertSeries(connection, increments.series());
        upsertSingles(connection, increments.singles());
        upsertMetrics(connection, increments.rows());
        upsertLatency(connection, increments.latency());
    }

    private static void upsertSeries(Connection connection, List<RollupIncrements.Series> series)
            throws SQLException {
        if (series.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(UPSERT_SERIES)) {
            for (RollupIncrements.Series s : series) {
                int i = 0;
                ps.setString(++i, s.first().customerId());
                for (Window grain : RollupBatch.GRAINS) {
                    ps.setLong(++i, s.bucketStarts()[grain.ordinal()].toEpochMilli());
                }
                ps.setString(++i, s.first().provider());
                ps.setString(++i, s.first().model());
                ps.setString(++i, s.first().endpoint());
                bindSums(ps, i, s.counts());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void upsertSingles(Connection connection, List<Map.Entry<RollupKey, RollupCounts>> rows)
            throws SQLException {
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(UPSERT_ROLLUP)) {
            for (Map.Entry<RollupKey, RollupCounts> row : rows) {
                bindSums(ps, bindKey(ps, row.getKey()), row.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    private static void upsertMetrics(Connection connection, List<Map.Entry<RollupKey, RollupCounts>> rows)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(UPSERT_METRIC)) {
            boolean any = false;
            for (Map.Entry<RollupKey, RollupCounts> row : rows) {
                for (Map.Entry<String, Long> metric : row.getValue().metricMicros().entrySet()) {
                    if (RollupWriter.isColumn(metric.getKey())) {
                        continue;
                    }
                    int i = bindKey(ps, row.getKey());
                    ps.setString(++i, metric.getKey());
                    ps.setLong(++i, metric.getValue());
                    ps.addBatch();
                    any = true;
                }
            }
            if (any) {
                ps.executeBatch();
            }
        }
    }

    private static void upsertLatency(Connection connection, List<Map.Entry<LatencyKey, Long>> cells)
            throws SQLException {
        if (cells.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement(UPSERT_LATENCY)) {
            for (Map.Entry<LatencyKey, Long> cell : cells) {
                ps.setString(1, cell.getKey().customerId());
                ps.setLong(2, cell.getKey().dayStart().toEpochMilli());
                ps.setInt(3, cell.getKey().bucket());
                ps.setLong(4, cell.getValue());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Binds the six key columns from parameter 1; returns the index of the last one bound. */
    private static int bindKey(PreparedStatement ps, RollupKey key) throws SQLException {
        ps.setString(1, key.customerId());
        ps.setString(2, Grains.name(key.grain()));
        ps.setLong(3, key.bucketStart().toEpochMilli());
        ps.setString(4, key.provider());
        ps.setString(5, key.model());
        ps.setString(6, key.endpoint());
        return 6;
    }

    /** Binds the columns of {@link RollupWriter#SUMS} after parameter {@code last}. */
    private static void bindSums(PreparedStatement ps, int last, RollupCounts counts) throws SQLException {
        int i = last;
        for (long sum : RollupWriter.sums(counts)) {
            ps.setLong(++i, sum);
        }
    }
}
