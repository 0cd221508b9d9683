package dev.tally.store;

import dev.tally.core.metric.Metrics;
import dev.tally.core.rollup.RollupCounts;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;

/**
 * Adds a batch's rollup increments to {@code usage_rollup}, {@code usage_rollup_metric} and {@code latency_rollup}
 * with additive upserts, inside the caller's transaction. The statements are shared ({@link UpsertSql}); how rows
 * travel to the database is not: SQLite takes a JDBC batch of rows ({@link SqliteRollupWriter}), PostgreSQL one
 * array per column and one statement per table ({@link PostgresRollupWriter}), because a round of server work per
 * row made it ten times slower.
 *
 * <p>The token parts ({@code input_tokens}, {@code output_tokens}, {@code cached_tokens}) are columns of
 * {@code usage_rollup}; only other metrics get rows in {@code usage_rollup_metric}. Nearly every event carries
 * tokens, and a row per token metric tripled the upserts of a batch.
 */
interface RollupWriter {
    List<String> KEY = List.of("customer_id", "grain", "bucket_start_ms", "provider", "model", "endpoint");
    List<String> SUMS = List.of("requests", "errors", "status_2xx", "status_3xx", "status_4xx", "status_5xx",
            "cost_nanos", "unpriced", "latency_sum_ms", "latency_count", "input_tokens_micros",
            "output_tokens_micros", "cached_tokens_micros");
    /** The metrics held in the last columns of {@link #SUMS}, in the same order. */
    List<String> TOKEN_METRICS = List.of(Metrics.INPUT_TOKENS, Metrics.OUTPUT_TOKENS, Metrics.CACHED_TOKENS);
    List<String> METRIC_KEY = List.of("customer_id", "grain", "bucket_start_ms", "provider", "model", "endpoint",
            "metric");
    List<String> METRIC_SUMS = List.of("quantity_micros");
    List<String> LATENCY_KEY = List.of("customer_id", "day_start_ms", "bucket");
    List<String> LATENCY_SUMS = List.of("calls");

    void add(Connection connection, RollupIncrements increments) throws SQLException;

    /** The values of {@link #SUMS} for one row, in order. */
    static long[] sums(RollupCounts c) {
        return new long[]{c.requests(), c.errors(), c.status2xx(), c.status3xx(), c.status4xx(), c.status5xx(),
                c.costNanos(), c.unpriced(), c.latencySumMs(), c.latencyCount(), c.micros(TOKEN_METRICS.get(0)),
                c.micros(TOKEN_METRICS.get(1)), c.micros(TOKEN_METRICS.get(2))};
    }

    /** Whether a metric is held in a column of {@code usage_rollup} rather than in a row of its own. */
    static boolean isColumn(String metric) {
        return TOKEN_METRICS.contains(metric);
    }
}
