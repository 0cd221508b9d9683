package dev.tally.store;

import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Reads rollup rows with their metric quantities, and latency histograms.
 *
 * <p>A rollup row and its metrics come from one statement (a LEFT JOIN ordered by key, folded in memory), so the
 * counts and the metrics are read from the same snapshot even while appends commit, and there is no query per row.
 */
final class RollupReader {
    private static final String SELECT_ROLLUPS = "SELECT r.customer_id, r.grain, r.bucket_start_ms, r.provider, "
            + "r.model, r.endpoint, r.requests, r.errors, r.status_2xx, r.status_3xx, r.status_4xx, r.status_5xx, "
            + "r.cost_nanos, r.unpriced, r.latency_sum_ms, r.latency_count, r.input_tokens_micros, "
            + "r.output_tokens_micros, r.cached_tokens_micros, m.metric, m.quantity_micros "
            + "FROM usage_rollup r LEFT JOIN usage_rollup_metric m ON m.customer_id = r.customer_id "
            + "AND m.grain = r.grain AND m.bucket_start_ms = r.bucket_start_ms AND m.provider = r.provider "
            + "AND m.model = r.model AND m.endpoint = r.endpoint "
            + "WHERE r.grain = ? AND r.bucket_start_ms >= ? AND r.bucket_start_ms < ? %s "
            + "ORDER BY r.customer_id, r.bucket_start_ms, r.provider, r.model, r.endpoint, m.metric";
    private static final String ALL_CUSTOMERS = String.format(SELECT_ROLLUPS, "");
    private static final String ONE_CUSTOMER = String.format(SELECT_ROLLUPS, "AND r.customer_id = ?");

    /**
     * One customer's rows of one grain summed per bucket start, with the metrics summed the same way, in one
     * statement (one snapshot). SQLite and PostgreSQL alike; SUM is cast back to BIGINT for PostgreSQL.
     */
    private static final String SELECT_BUCKET_TOTALS = "SELECT r.*, m.metric, m.quantity_micros FROM ("
            + "SELECT customer_id, grain, bucket_start_ms, '' AS provider, '' AS model, '' AS endpoint, "
            + sumsOf(RollupWriter.SUMS) + " FROM usage_rollup "
            + "WHERE customer_id = ? AND grain = ? AND bucket_start_ms >= ? AND bucket_start_ms < ? "
            + "GROUP BY customer_id, grain, bucket_start_ms) r LEFT JOIN ("
            + "SELECT bucket_start_ms, metric, " + sumsOf(RollupWriter.METRIC_SUMS) + " FROM usage_rollup_metric "
            + "WHERE customer_id = ? AND grain = ? AND bucket_start_ms >= ? AND bucket_start_ms < ? "
            + "GROUP BY bucket_start_ms, metric) m ON m.bucket_start_ms = r.bucket_start_ms "
            + "ORDER BY r.bucket_start_ms, m.metric";

    private static final String SELECT_LATENCY = "SELECT bucket, SUM(calls) AS calls FROM latency_rollup "
            + "WHERE customer_id = ? AND day_start_ms >= ? AND day_start_ms < ? GROUP BY bucket ORDER BY bucket";

    /**
     * Both rollup queries select the six key columns, the sums of {@link RollupWriter#SUMS}, then metric and
     * quantity. Read by position: sqlite-jdbc looks a name up (lower-casing it) on every call, and a month's report
     * reads thousands of values.
     */
    private static final int FIRST_SUM_COLUMN = 7;
    private static final int METRIC_COLUMN = FIRST_SUM_COLUMN + RollupWriter.SUMS.size();

    /**
     * Every customer's rows summed over the dimensions not kept, in one statement (one snapshot): the sums of the
     * rollup rows, left-joined to the sums of their metric rows, ordered by key so that {@link #fold} reads them.
     */
    List<RollupRow> sums(Connection connection, Window grain, Instant from, Instant to, Set<RollupDimension> keep)
            throws SQLException {
        Savepoint before = savepoint(connection);
        try (PreparedStatement ps = connection.prepareStatement(sumsSql(keep))) {
            for (int i = 0; i < 2; i++) {
                ps.setString(3 * i + 1, Grains.name(grain));
                ps.setLong(3 * i + 2, from.toEpochMilli());
                ps.setLong(3 * i + 3, to.toEpochMilli());
            }
            try (ResultSet rs = ps.executeQuery()) {
                return fold(rs);
            }
        } catch (SQLException e) {
            if (!isOverflow(e)) {
                throw e;
            }
            rollBack(connection, before);
            return RollupDimension.sum(rollups(connection, null, grain, from, to), keep);
        }
    }

    /**
     * A savepoint before a summing read inside a transaction (PostgreSQL's snapshot reads), where a failed statement
     * aborts the transaction, so that the overflow's fallback can go on; null outside one.
     */
    private static Savepoint savepoint(Connection connection) throws SQLException {
        return connection.getAutoCommit() ? null : connection.setSavepoint();
    }

    private static void rollBack(Connection connection, Savepoint to) throws SQLException {
        if (to != null) {
            connection.rollback(to);
        }
    }

    /**
     * Whether a summing read failed because a sum exceeded a bigint (SQLite: "integer overflow"; PostgreSQL:
     * SQLSTATE 22003). Each stored sum fits, but a read adding many may not; such a read is redone from the rows,
     * summed in memory with saturation ({@code RollupCounts.add}), so a report never fails on its size (issue 11).
     */
    private static boolean isOverflow(SQLException e) {
        String message = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        return "22003".equals(e.getSQLState()) || message.contains("integer overflow")
                || message.contains("out of range");
    }

    private static String sumsSql(Set<RollupDimension> keep) {
        List<String> parts = List.of("provider", "model", "endpoint");
        List<RollupDimension> dims = List.of(RollupDimension.PROVIDER, RollupDimension.MODEL,
                RollupDimension.ENDPOINT);
        StringBuilder select = new StringBuilder("customer_id, grain, bucket_start_ms");
        StringBuilder group = new StringBuilder("customer_id, grain, bucket_start_ms");
        StringBuilder join = new StringBuilder("m.customer_id = r.customer_id AND m.bucket_start_ms = r.bucket_start_ms");
        StringBuilder order = new StringBuilder("r.customer_id, r.bucket_start_ms");
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            if (keep.contains(dims.get(i))) {
                select.append(", ").append(p);
                group.append(", ").append(p);
                join.append(" AND m.").append(p).append(" = r.").append(p);
                order.append(", r.").append(p);
            } else {
                select.append(", '' AS ").append(p);
            }
        }
        StringBuilder sums = new StringBuilder();
        RollupWriter.SUMS.forEach(c -> sums.append(", SUM(").append(c).append(") AS ").append(c));
        String where = " WHERE grain = ? AND bucket_start_ms >= ? AND bucket_start_ms < ? GROUP BY ";
        return "WITH r AS (SELECT " + select + sums + " FROM usage_rollup" + where + group + "), "
                + "m AS (SELECT " + select + ", metric, SUM(quantity_micros) AS quantity_micros "
                + "FROM usage_rollup_metric" + where + group + ", metric) "
                + "SELECT r.*, m.metric, m.quantity_micros FROM r LEFT JOIN m ON " + join
                + " ORDER BY " + order + ", m.metric";
    }

    /** Rows ordered by customer, bucket start, provider, model and endpoint. */
    List<RollupRow> rollups(Connection connection, String customerId, Window grain, Instant from, Instant to)
            throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(customerId == null ? ALL_CUSTOMERS : ONE_CUSTOMER)) {
            ps.setString(1, Grains.name(grain));
            ps.setLong(2, from.toEpochMilli());
            ps.setLong(3, to.toEpochMilli());
            if (customerId != null) {
                ps.setString(4, customerId);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return fold(rs);
            }
        }
    }

    /** One customer's rows of one grain summed per bucket start, ordered by it; provider, model and endpoint "". */
    List<RollupRow> totalsByBucket(Connection connection, String customerId, Window grain, Instant from, Instant to)
            throws SQLException {
        Savepoint before = savepoint(connection);
        try (PreparedStatement ps = connection.prepareStatement(SELECT_BUCKET_TOTALS)) {
            for (int first : new int[]{1, 5}) {
                ps.setString(first, customerId);
                ps.setString(first + 1, Grains.name(grain));
                ps.setLong(first + 2, from.toEpochMilli());
                ps.setLong(first + 3, to.toEpochMilli());
            }
            try (ResultSet rs = ps.executeQuery()) {
                return fold(rs);
            }
        } catch (SQLException e) {
            if (!isOverflow(e)) {
                throw e;
            }
            rollBack(connection, before);
            return RollupDimension.sum(rollups(connection, customerId, grain, from, to),
                    java.util.EnumSet.noneOf(RollupDimension.class));
        }
    }

    private static String sumsOf(List<String> columns) {
        return String.join(", ", columns.stream().map(c -> "CAST(SUM(" + c + ") AS BIGINT) AS " + c).toList());
    }

    SortedMap<Integer, Long> latencyHistogram(Connection connection, String customerId, Instant from, Instant to)
            throws SQLException {
        SortedMap<Integer, Long> histogram = new TreeMap<>();
        try (PreparedStatement ps = connection.prepareStatement(SELECT_LATENCY)) {
            ps.setString(1, customerId);
            ps.setLong(2, from.toEpochMilli());
            ps.setLong(3, to.toEpochMilli());
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    histogram.put(rs.getInt("bucket"), rs.getLong("calls"));
                }
            }
        }
        return histogram;
    }

    /** Turns the joined rows (one per metric, or one with a null metric) into one RollupRow per key. */
    private static List<RollupRow> fold(ResultSet rs) throws SQLException {
        List<RollupRow> rows = new ArrayList<>();
        RollupKey key = null;
        long[] sums = null;
        SortedMap<String, Long> metrics = null;
        while (rs.next()) {
            RollupKey next = key(rs);
            if (!next.equals(key)) {
                if (key != null) {
                    rows.add(row(key, sums, metrics));
                }
                key = next;
                sums = sums(rs);
                metrics = tokenMetrics(sums);
            }
            String metric = rs.getString(METRIC_COLUMN);
            if (metric != null) {
                metrics.put(metric, rs.getLong(METRIC_COLUMN + 1));
            }
        }
        if (key != null) {
            rows.add(row(key, sums, metrics));
        }
        return rows;
    }

    private static RollupKey key(ResultSet rs) throws SQLException {
        return new RollupKey(rs.getString(1), Grains.parse(rs.getString(2)), Instant.ofEpochMilli(rs.getLong(3)),
                rs.getString(4), rs.getString(5), rs.getString(6));
    }

    private static long[] sums(ResultSet rs) throws SQLException {
        long[] sums = new long[RollupWriter.SUMS.size()];
        for (int i = 0; i < sums.length; i++) {
            sums[i] = rs.getLong(FIRST_SUM_COLUMN + i);
        }
        return sums;
    }

    /** The token columns as metrics; a zero sum reads back as no metric, like a metric never sent. */
    private static SortedMap<String, Long> tokenMetrics(long[] sums) {
        SortedMap<String, Long> metrics = new TreeMap<>();
        int first = sums.length - RollupWriter.TOKEN_METRICS.size();
        for (int i = 0; i < RollupWriter.TOKEN_METRICS.size(); i++) {
            if (sums[first + i] != 0) {
                metrics.put(RollupWriter.TOKEN_METRICS.get(i), sums[first + i]);
            }
        }
        return metrics;
    }

    private static RollupRow row(RollupKey key, long[] s, SortedMap<String, Long> metrics) {
        // The order of RollupWriter.SUMS; the token sums are already in the metrics.
        return new RollupRow(key, new RollupCounts(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8], s[9],
                metrics));
    }
}
