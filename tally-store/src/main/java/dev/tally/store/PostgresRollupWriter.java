package dev.tally.store;

import dev.tally.core.rollup.RollupBatch.LatencyKey;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Ships rollup rows to PostgreSQL as one array per column, one {@code INSERT ... SELECT * FROM unnest(...)} per
 * table: a batch's two thousand rows cost one round trip and one statement instead of two thousand executions. Keys
 * are unique within a batch (they were aggregated first), which {@code ON CONFLICT DO UPDATE} requires of a single
 * statement; rows are in key order, so concurrent writers lock them in the same order.
 */
final class PostgresRollupWriter implements RollupWriter {
    private static final List<String> KEY_TYPES = List.of("text", "text", "bigint", "text", "text", "text");
    private static final String UPSERT_ROLLUP = UpsertSql.fromArrays("usage_rollup", KEY, SUMS,
            concat(KEY_TYPES, Collections.nCopies(SUMS.size(), "bigint")));
    private static final String UPSERT_METRIC = UpsertSql.fromArrays("usage_rollup_metric", METRIC_KEY,
            METRIC_SUMS, concat(KEY_TYPES, List.of("text", "bigint")));
    /** The roller's latency cells: a MERGE ({@link UpsertSql#mergeFromArrays}), as the roller is their one writer. */
    private static final String UPSERT_LATENCY = UpsertSql.mergeFromArrays("latency_rollup", LATENCY_KEY, LATENCY_SUMS,
            List.of("text", "bigint", "integer", "bigint"));

    /** The upserts, each answering the largest sum among the rows it wrote (0 if none). */
    private static final String LARGEST_ROLLUP = largestOf(UPSERT_ROLLUP, "GREATEST(" + String.join(", ", SUMS) + ")");
    private static final String LARGEST_METRIC = largestOf(UPSERT_METRIC, "quantity_micros");

    @Override
    public void add(Connection connection, RollupIncrements increments) throws SQLException {
        upsertRollups(connection, increments.rows(), UPSERT_ROLLUP);
        upsertMetrics(connection, increments.rows(), UPSERT_METRIC);
        upsertLatency(connection, increments.latency());
    }

    /**
     * Like {@link #add}, and tells the largest sum in the rollup rows and metric rows written, as they are after the
     * increments (latency cells count calls, which grow by one per event, and are left out).
     */
    long addReturningLargest(Connection connection, RollupIncrements increments) throws SQLException {
        long largest = Math.max(upsertRollups(connection, increments.rows(), LARGEST_ROLLUP),
                upsertMetrics(connection, increments.rows(), LARGEST_METRIC));
        upsertLatency(connection, increments.latency());
        return largest;
    }

    private static String largestOf(String upsert, String largest) {
        return "WITH w AS (" + upsert + " RETURNING " + largest + " AS largest) "
                + "SELECT COALESCE(MAX(largest), 0) FROM w";
    }

    private static long upsertRollups(Connection connection, List<Map.Entry<RollupKey, RollupCounts>> rows,
                                      String sql) throws SQLException {
        if (rows.isEmpty()) {
            return 0;
        }
        ColumnArrays columns = new ColumnArrays(KEY.size() + SUMS.size(), rows.size());
        for (Map.Entry<RollupKey, RollupCounts> row : rows) {
            columns.key(row.getKey());
            for (long sum : RollupWriter.sums(row.getValue())) {
                columns.add(sum);
            }
        }
        return columns.execute(connection, sql);
    }

    private static long upsertMetrics(Connection connection, List<Map.Entry<RollupKey, RollupCounts>> rows,
                                      String sql) throws SQLException {
        ColumnArrays columns = new ColumnArrays(METRIC_KEY.size() + METRIC_SUMS.size(), 0);
        for (Map.Entry<RollupKey, RollupCounts> row : rows) {
            for (Map.Entry<String, Long> metric : row.getValue().metricMicros().entrySet()) {
                if (!RollupWriter.isColumn(metric.getKey())) {
                    columns.key(row.getKey());
                    columns.add(metric.getKey());
                    columns.add(metric.getValue());
                }
            }
        }
        return columns.isEmpty() ? 0 : columns.execute(connection, sql);
    }

    private static void upsertLatency(Connection connection, List<Map.Entry<LatencyKey, Long>> cells)
            throws SQLException {
        if (cells.isEmpty()) {
            return;
        }
        ColumnArrays columns = new ColumnArrays(LATENCY_KEY.size() + LATENCY_SUMS.size(), cells.size());
        for (Map.Entry<LatencyKey, Long> cell : cells) {
            columns.add(cell.getKey().customerId());
            columns.add(cell.getKey().dayStart().toEpochMilli());
            columns.add((long) cell.getKey().bucket());
            columns.add(cell.getValue());
        }
        columns.execute(connection, UPSERT_LATENCY);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Values gathered column by column, filled row after row. */
    private static final class ColumnArrays {
        private final List<List<Object>> values = new ArrayList<>();
        private int next;

        ColumnArrays(int count, int rows) {
            for (int i = 0; i < count; i++) {
                values.add(new ArrayList<>(rows));
            }
        }

        void key(RollupKey key) {
            add(key.customerId());
            add(Grains.name(key.grain()));
            add(key.bucketStart().toEpochMilli());
            add(key.provider());
            add(key.model());
            add(key.endpoint());
        }

        void add(Object value) {
            values.get(next).add(value);
            next = (next + 1) % values.size();
        }

        boolean isEmpty() {
            return values.get(0).isEmpty();
        }

        /** Runs the statement; for one that answers a row (a largest sum), returns its first value, else 0. */
        long execute(Connection connection, String sql) throws SQLException {
            try (PreparedStatement ps = connection.prepareStatement(sql)) {
                for (int i = 0; i < values.size(); i++) {
                    List<Object> column = values.get(i);
                    String type = column.get(0) instanceof String ? "text" : "bigint";
                    ps.setArray(i + 1, PgArrays.of(connection, type, column.toArray()));
                }
                if (!ps.execute()) {
                    return 0;
                }
                try (ResultSet rs = ps.getResultSet()) {
                    return rs.next() ? rs.getLong(1) : 0;
                }
            }
        }
    }
}
