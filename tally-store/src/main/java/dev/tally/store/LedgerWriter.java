package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.rollup.RollupBatch;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Appends a batch of ledger entries inside the caller's transaction: the events first, then the rollups of exactly
 * those events that were new.
 *
 * <p>Duplicates are found by the database, not by a read before the write: {@code ON CONFLICT (event_id) DO NOTHING}
 * reports 0 rows for an id already stored, whether it came earlier in the same batch, in an earlier batch, or from
 * another server whose transaction committed first (PostgreSQL makes the second insert wait for the first's outcome).
 * Entries are inserted in event-id order so that two servers inserting overlapping batches take the unique-index
 * locks in the same order and cannot deadlock; the rollup upserts are ordered by key for the same reason.
 */
final class LedgerWriter {
    /** Rows sent per JDBC batch round trip; bounds driver memory for very large appends. */
    static final int BATCH_ROWS = 1000;

    static final String INSERT_EVENT = "INSERT INTO events (event_id, customer_id, ts_ms, received_ms, provider, "
            + "model, endpoint, method, status, latency_ms, user_id, usage, cost_nanos, cost_override_nanos, "
            + "unpriced_metrics, reservation, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            + "ON CONFLICT (event_id) DO NOTHING";

    private final RollupWriter rollups;

    LedgerWriter(RollupWriter rollups) {
        this.rollups = rollups;
    }

    /**
     * A batch ready to be written: the insert order, the encoded usage, and the rollups of all its entries. Made
     * before the write transaction starts, so that this CPU work overlaps with another writer's transaction instead
     * of lengthening the time the write lock is held.
     */
    record Batch(List<LedgerEntry> entries, int[] order, String[] usageJson, RollupIncrements all) {
        static Batch of(List<LedgerEntry> entries) {
            String[] usage = new String[entries.size()];
            for (int i = 0; i < usage.length; i++) {
                usage[i] = UsageCodec.encode(entries.get(i).event().usageMicros());
            }
            return new Batch(entries, byEventId(entries), usage,
                    RollupIncrements.of(RollupBatch.of(entries)));
        }
    }

    /** Writes the entries and their rollups; returns, for each entry in order, whether it was new. */
    boolean[] append(Connection connection, Batch batch) throws SQLException {
        boolean[] stored = insertEvents(connection, batch);
        List<LedgerEntry> fresh = new ArrayList<>(stored.length);
        for (int i = 0; i < stored.length; i++) {
            if (stored[i]) {
                fresh.add(batch.entries().get(i));
            }
        }
        if (fresh.size() == stored.length) {
            rollups.add(connection, batch.all());
        } else if (!fresh.isEmpty()) {
            // Some were duplicates (rare: a client retrying): only the new events may count.
            rollups.add(connection, RollupIncrements.of(RollupBatch.of(fresh)));
        }
        return stored;
    }

    private static boolean[] insertEvents(Connection connection, Batch batch) throws SQLException {
        int[] order = batch.order();
        boolean[] stored = new boolean[order.length];
        try (PreparedStatement ps = connection.prepareStatement(INSERT_EVENT)) {
            for (int from = 0; from < order.length; from += BATCH_ROWS) {
                int to = Math.min(order.length, from + BATCH_ROWS);
                for (int k = from; k < to; k++) {
                    bindEvent(ps, batch.entries().get(order[k]), batch.usageJson()[order[k]]);
                    ps.addBatch();
                }
                readCounts(ps.executeBatch(), order, from, stored);
            }
        }
        return stored;
    }

    /** Indexes of the entries sorted by event id; the sort is stable, so the first of two equal ids wins. */
    private static int[] byEventId(List<LedgerEntry> entries) {
        return IntStream.range(0, entries.size()).boxed()
                .sorted(Comparator.comparing(i -> entries.get(i).event().id()))
                .mapToInt(Integer::intValue).toArray();
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

    private static void bindEvent(PreparedStatement ps, LedgerEntry entry, String usageJson) throws SQLException {
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
    }
}
