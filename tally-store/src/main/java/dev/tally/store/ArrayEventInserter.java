package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Inserts all of a batch's events in one statement (PostgreSQL): one array per column, {@code INSERT ... SELECT *
 * FROM unnest(...) ON CONFLICT (event_id, ce_source) DO NOTHING RETURNING seq, event_id, ce_source}. A statement per
 * row, even in one JDBC batch, made the server parse, plan and execute every row on its own (35% of an append of
 * 4,000 events).
 *
 * <p>The keys returned (id and source, {@link UsageEvent#source()}) are the new ones, and their seqs are what the
 * append queues for the rollups ({@link QueuedRollups}). A key that occurs twice in the batch is sent once (its first
 * occurrence), so which entry was stored is never up to the database; the rows go in key order, so concurrent
 * writers take the unique-index locks in the same order. Each row keeps its hour, day and month buckets, so that the
 * roller sums it exactly as ingestion did.
 */
final class ArrayEventInserter implements EventInserter {
    private static final List<String> TYPES = List.of("text", "text", "bigint", "bigint", "text", "text", "text",
            "text", "integer", "bigint", "text", "text", "bigint", "bigint", "text", "text", "text", "text", "text",
            "text", "text", "bigint", "bigint", "bigint");
    private static final String INSERT_ROWS = "INSERT INTO events (" + COLUMNS + ", hour_ms, day_ms, month_ms) "
            + "SELECT * FROM unnest(" + String.join(", ", TYPES.stream().map(t -> "?::" + t + "[]").toList()) + ")";
    static final String INSERT_EVENTS = INSERT_ROWS
            + " ON CONFLICT (event_id, ce_source) DO NOTHING RETURNING seq, event_id, ce_source, customer_id";
    /**
     * The same rows without {@code ON CONFLICT}: an insert that fails (unique_violation, 23505) on a key already
     * stored, or committed meanwhile by another node, instead of skipping it. Where keys are nearly always new it is
     * the cheaper statement: PostgreSQL's speculative insertion (a probe of the unique index before the row, then a
     * confirmation record in the WAL) made the events' insert cost about a fifth more of the backend's CPU.
     */
    static final String INSERT_NEW_EVENTS = INSERT_ROWS + " RETURNING seq, customer_id";
    /** Parameters of {@link #INSERT_EVENTS}: one array per column. */
    static final int PARAMETERS = TYPES.size();

    @Override
    public Inserted insert(Connection connection, LedgerWriter.Batch batch) throws SQLException {
        Rows rows = Rows.of(batch);
        Map<Key, Long> inserted = new HashMap<>(rows.count * 2);
        try (PreparedStatement ps = connection.prepareStatement(INSERT_EVENTS)) {
            rows.bind(connection, ps, 1);
            try (ResultSet rs = ps.executeQuery()) {
                read(rs, inserted);
            }
        }
        return rows.inserted(batch, inserted);
    }

    /** Adds each row of {@code rs} (seq, event id, source first, as {@link #INSERT_EVENTS} returns) to the map. */
    static void read(ResultSet rs, Map<Key, Long> inserted) throws SQLException {
        while (rs.next()) {
            inserted.put(new Key(rs.getString(2), rs.getString(3)), rs.getLong(1));
        }
    }

    /** A batch's rows as column arrays, each key once (its first occurrence), in key order. */
    static final class Rows {
        private final Object[][] columns;
        private final int[] sent;
        private final int count;

        private Rows(Object[][] columns, int[] sent, int count) {
            this.columns = columns;
            this.sent = sent;
            this.count = count;
        }

        static Rows of(LedgerWriter.Batch batch) {
            int[] order = batch.order();
            Object[][] columns = new Object[TYPES.size()][];
            for (int c = 0; c < columns.length; c++) {
                columns[c] = PgArrays.column(TYPES.get(c), order.length);
            }
            int[] sent = new int[order.length];
            int rows = 0;
            Set<Key> keys = new HashSet<>();
            for (int index : order) {
                LedgerEntry entry = batch.entries().get(index);
                if (keys.add(Key.of(entry.event()))) {
                    fill(columns, rows, entry, batch.usageJson()[index], batch.dimensionsJson()[index]);
                    sent[rows++] = index;
                }
            }
            return new Rows(columns, sent, rows);
        }

        /** Binds the {@link #PARAMETERS} arrays of {@link #INSERT_EVENTS} from parameter {@code first} on. */
        void bind(Connection connection, PreparedStatement ps, int first) throws SQLException {
            for (int c = 0; c < columns.length; c++) {
                Object[] values = count == columns[c].length ? columns[c] : Arrays.copyOf(columns[c], count);
                ps.setArray(first + c, PgArrays.of(connection, TYPES.get(c), values));
            }
        }

        /** Which entries of {@code batch} were stored when every key sent was (an insert without ON CONFLICT). */
        Inserted allSent(LedgerWriter.Batch batch) {
            boolean[] stored = new boolean[batch.entries().size()];
            for (int k = 0; k < count; k++) {
                stored[sent[k]] = true;
            }
            return new Inserted(stored, null);
        }

        /** Which entries of {@code batch} were stored, and their seqs, from the keys the insert returned. */
        Inserted inserted(LedgerWriter.Batch batch, Map<Key, Long> inserted) {
            boolean[] stored = new boolean[batch.entries().size()];
            long[] seqs = new long[stored.length];
            for (int k = 0; k < count; k++) {
                Long seq = inserted.get(Key.of(batch.entries().get(sent[k]).event()));
                if (seq != null) {
                    stored[sent[k]] = true;
                    seqs[sent[k]] = seq;
                }
            }
            return new Inserted(stored, seqs);
        }
    }

    private static void fill(Object[][] columns, int row, LedgerEntry entry, String usageJson,
                             String dimensionsJson) {
        UsageEvent e = entry.event();
        Object[] values = {e.id(), e.customerId(), e.timestamp().toEpochMilli(), entry.receivedAt().toEpochMilli(),
            e.provider(), e.model(), e.endpoint(), e.method(), e.status(), e.latencyMs(), e.user(), usageJson,
            entry.cost().nanos(), e.costOverride() == null ? null : e.costOverride().nanos(),
            entry.isUnpriced() ? String.join(",", entry.unpricedMetrics()) : null, e.reservation(), e.metadataJson(),
            e.source(), e.cloudEvent() == null ? null : e.cloudEvent().type(),
            e.cloudEvent() == null ? null : e.cloudEvent().attributesJson(), dimensionsJson,
            entry.buckets().hour().toEpochMilli(), entry.buckets().day().toEpochMilli(),
            entry.buckets().month().toEpochMilli()};
        for (int c = 0; c < values.length; c++) {
            columns[c][row] = values[c];
        }
    }

    /** An event's idempotency key. */
    record Key(String id, String source) {
        static Key of(UsageEvent e) {
            return new Key(e.id(), e.source());
        }
    }
}
