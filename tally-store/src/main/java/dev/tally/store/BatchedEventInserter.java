package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Inserts events as a JDBC batch of one-row statements and reads each row's update count (SQLite: in-process, a
 * statement execution per row costs little). SQLite only: it also writes the bucket columns only SQLite has.
 */
final class BatchedEventInserter implements EventInserter {
    /** Rows sent per JDBC batch round trip; bounds driver memory for very large appends. */
    static final int BATCH_ROWS = 1000;

    /**
     * With the event's hour, day and month buckets, which SQLite keeps so that a start-up after a crash can rebuild
     * the rollups written behind the acknowledgement exactly ({@link DeferredRollups}).
     */
    static final String INSERT_EVENT = "INSERT INTO events (" + COLUMNS + ", hour_ms, day_ms, month_ms) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (event_id, ce_source) DO NOTHING";

    @Override
    public Inserted insert(Connection connection, LedgerWriter.Batch batch) throws SQLException {
        int[] order = batch.order();
        boolean[] stored = new boolean[order.length];
        try (PreparedStatement ps = connection.prepareStatement(INSERT_EVENT)) {
            for (int from = 0; from < order.length; from += BATCH_ROWS) {
                int to = Math.min(order.length, from + BATCH_ROWS);
                for (int k = from; k < to; k++) {
                    bindEvent(ps, batch.entries().get(order[k]), batch.usageJson()[order[k]],
                            batch.dimensionsJson()[order[k]]);
                    ps.addBatch();
                }
                readCounts(ps.executeBatch(), order, from, stored);
            }
        }
        return new Inserted(stored, null);
    }

    private static void readCounts(int[] counts, int[] order, int from, boolean[] stored) throws SQLException {
        for (int k = 0; k < counts.length; k++) {
            if (counts[k] == Statement.SUCCESS_NO_INFO) {
                // Happens when a driver rewrites the batch into one multi-row statement (pgjdbc's
                // reWriteBatchedInserts): without per-row counts, duplicates cannot be told apart.
                throw new SQLException("the driver returned no per-row update counts for the event insert; "
                        + "disable reWriteBatchedInserts");
            }
            stored[order[from + k]] = counts[k] > 0;
        }
    }

    private static void bindEvent(PreparedStatement ps, LedgerEntry entry, String usageJson, String dimensionsJson)
            throws SQLException {
        UsageEvent e = entry.event();
        ps.setString(1, e.id());
        ps.setString(2, e.customerId());
        ps.setLong(3, e.timestamp().toEpochMilli());
        ps.setLong(4, entry.receivedAt().toEpochMilli());
        ps.setString(5, e.provider());
        ps.setString(6, e.model());
        ps.setString(7, e.endpoint());
        ps.setString(8, e.method());
        Columns.setInt(ps, 9, e.status());
        Columns.setLong(ps, 10, e.latencyMs());
        ps.setString(11, e.user());
        ps.setString(12, usageJson);
        ps.setLong(13, entry.cost().nanos());
        Columns.setLong(ps, 14, e.costOverride() == null ? null : e.costOverride().nanos());
        ps.setString(15, entry.isUnpriced() ? String.join(",", entry.unpricedMetrics()) : null);
        ps.setString(16, e.reservation());
        ps.setString(17, e.metadataJson());
        ps.setString(18, e.source());
        ps.setString(19, e.cloudEvent() == null ? null : e.cloudEvent().type());
        ps.setString(20, e.cloudEvent() == null ? null : e.cloudEvent().attributesJson());
        ps.setString(21, dimensionsJson);
        ps.setLong(22, entry.buckets().hour().toEpochMilli());
        ps.setLong(23, entry.buckets().day().toEpochMilli());
        ps.setLong(24, entry.buckets().month().toEpochMilli());
    }
}
