package dev.tally.store;

import dev.tally.core.event.StoredEvent;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The SQLite store's minute rollups, written behind the acknowledging transactions instead of inside each of them.
 *
 * <p>Why: the hour, day and month rollups are read by every report, so they are written with the events they sum.
 * Minute rows are read only when enforcement counters are rebuilt at start-up, yet upserting them cost a quarter of
 * the rollup work of every batch. Here a batch's minute increments wait in memory and are written, summed over a few
 * seconds of batches (one upsert per row for many batches), as part of a later acknowledging transaction, together
 * with a watermark: the highest event {@code seq} they include. The rows in the database therefore always sum
 * exactly the events up to the watermark.
 *
 * <p>Nothing is lost on a crash: the increments still in memory belong to events after the watermark, which are in
 * the ledger; opening the store folds them in again ({@link #recover}). Reads of minute rows add the pending
 * increments to what the database holds ({@link #read}), so readers never see the lag and never wait for a write.
 *
 * <p>This relies on SQLite's single writer: events are committed in {@code seq} order, and all state here is only
 * touched inside write transactions, which {@link Transactor} runs one at a time. PostgreSQL, where several nodes
 * write concurrently and {@code seq} order is not commit order, keeps writing minute rows in the acknowledging
 * transaction.
 */
final class DeferredMinuteRollups {
    /** The grains written in the acknowledging transaction. */
    static final List<Window> ACKED_GRAINS = List.of(Window.HOUR, Window.DAY, Window.MONTH);
    /** The {@code settings} row holding the highest event seq that the stored minute rows include. */
    static final String WATERMARK = "minute_rollups_through_seq";
    /**
     * How long increments wait at most before a transaction writes them (if any transaction comes). Longer sums more
     * batches into one upsert per row; it also bounds the events a start-up after a crash reads back (5 s of traffic).
     */
    static final Duration MAX_DELAY = Duration.ofSeconds(5);
    /** Pending rows that make the next transaction write them, however young. */
    static final int MAX_ROWS = 50_000;

    private static final Comparator<RollupKey> KEY_ORDER = Comparator.comparing(RollupKey::customerId)
            .thenComparing(RollupKey::bucketStart).thenComparing(RollupKey::provider)
            .thenComparing(RollupKey::model).thenComparing(RollupKey::endpoint);
    private static final String SET_WATERMARK = "INSERT INTO settings (name, value) "
            + "SELECT ?, CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM events WHERE true "
            + "ON CONFLICT (name) DO UPDATE SET value = excluded.value";

    private final RollupWriter writer;
    private final InstantSource clock;
    /**
     * Readers hold it shared while they read the database and the pending increments; a transaction holds it
     * exclusively while it commits written increments and clears them, and while it adds to them. So a reader sees
     * every increment once: in the database or pending, never both or neither.
     */
    private final ReentrantReadWriteLock view = new ReentrantReadWriteLock();

    // The fields below change only inside write transactions, which the store runs one at a time; pending changes
    // only under the view's write lock too, so readers holding its read lock may read it.
    /** Increments of committed events not yet in the database. */
    private final Map<RollupKey, RollupCounts> pending = new HashMap<>();
    private long oldestPendingMs;
    /** The increments of the transaction under way, until it commits. */
    private Map<RollupKey, RollupCounts> staged = Map.of();
    /** Whether the transaction under way writes everything pending. */
    private boolean writing;

    DeferredMinuteRollups(RollupWriter writer, InstantSource clock) {
        this.writer = writer;
        this.clock = clock;
    }

    /**
     * Takes the minute increments of a batch's new events, inside its transaction; when the pending ones are due,
     * writes them all, this batch's too, with the watermark. Takes effect only if the transaction commits.
     */
    void stage(Connection connection, Map<RollupKey, RollupCounts> minutes) throws SQLException {
        staged = minutes;
        writing = !pending.isEmpty() && (pending.size() + minutes.size() >= MAX_ROWS
                || clock.millis() - oldestPendingMs >= MAX_DELAY.toMillis());
        if (writing) {
            write(connection, merged());
        }
    }

    /** Writes every pending increment now, in the caller's transaction. */
    void flush(Connection connection) throws SQLException {
        staged = Map.of();
        writing = !pending.isEmpty();
        if (writing) {
            write(connection, merged());
        }
    }

    /** Whether increments wait in memory. */
    boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * {@code work} with this object told when its transaction commits or rolls back: every transaction that calls
     * {@link #stage} or {@link #flush} must run through it.
     */
    <T> Transactor.Work<T> bracket(Transactor.Work<T> work) {
        return new Transactor.Work<>() {
            @Override
            public T run(Connection connection) throws SQLException {
                return work.run(connection);
            }

            @Override
            public void beforeCommit() {
                DeferredMinuteRollups.this.beforeCommit();
            }

            @Override
            public void committed() {
                DeferredMinuteRollups.this.committed();
            }

            @Override
            public void rolledBack() {
                DeferredMinuteRollups.this.rolledBack();
            }
        };
    }

    /** The transaction that staged or flushed is about to commit. */
    private void beforeCommit() {
        if (writing) {
            view.writeLock().lock(); // released in committed() or rolledBack()
        }
    }

    /** The transaction that staged or flushed committed. */
    private void committed() {
        if (!writing) {
            view.writeLock().lock();
        }
        try {
            if (writing) {
                pending.clear();
            } else if (!staged.isEmpty()) {
                if (pending.isEmpty()) {
                    oldestPendingMs = clock.millis();
                }
                staged.forEach((key, counts) -> pending.computeIfAbsent(key, k -> new RollupCounts()).add(counts));
            }
        } finally {
            view.writeLock().unlock();
            staged = Map.of();
            writing = false;
        }
    }

    /** The transaction that staged or flushed was rolled back: nothing of it happened. */
    private void rolledBack() {
        if (view.writeLock().isHeldByCurrentThread()) {
            view.writeLock().unlock();
        }
        staged = Map.of();
        writing = false;
    }

    /**
     * Reads minute rows: what {@code fromDatabase} returns plus the pending increments {@code pick} chooses, shaped by
     * it like the database's rows, summed by key and ordered like the database's answer.
     */
    List<RollupRow> read(DatabaseRead fromDatabase, PendingPick pick) {
        view.readLock().lock();
        try {
            List<RollupRow> stored = fromDatabase.rows();
            List<Map.Entry<RollupKey, RollupCounts>> picked = new ArrayList<>();
            pending.forEach((key, counts) -> {
                RollupKey shaped = pick.shape(key);
                if (shaped != null) {
                    picked.add(Map.entry(shaped, counts));
                }
            });
            if (picked.isEmpty()) {
                return stored;
            }
            Map<RollupKey, RollupCounts> merged = new TreeMap<>(KEY_ORDER);
            for (RollupRow row : stored) {
                merged.put(row.key(), row.counts());
            }
            // The database's rows are new objects made for this read: adding to them is safe.
            picked.forEach(e -> merged.computeIfAbsent(e.getKey(), k -> new RollupCounts()).add(e.getValue()));
            List<RollupRow> rows = new ArrayList<>(merged.size());
            merged.forEach((key, counts) -> rows.add(new RollupRow(key, counts)));
            return rows;
        } finally {
            view.readLock().unlock();
        }
    }

    /** A read of minute rows from the database. */
    @FunctionalInterface
    interface DatabaseRead {
        List<RollupRow> rows();
    }

    /** Which pending rows a read includes, and under which key: null to leave a row out. */
    @FunctionalInterface
    interface PendingPick {
        RollupKey shape(RollupKey pending);
    }

    /**
     * Folds the events after the watermark into the minute rows, at start-up: the increments a crash took with it.
     *
     * @return how many events were folded in
     */
    int recover(Connection connection) throws SQLException {
        long through = KeyRows.setting(connection, WATERMARK).map(Long::parseLong).orElse(0L);
        Map<RollupKey, RollupCounts> rows = new HashMap<>();
        int events = 0;
        try (PreparedStatement ps = connection.prepareStatement(
                "SELECT " + EventLog.COLUMNS + " FROM events WHERE seq > ? ORDER BY seq")) {
            ps.setLong(1, through);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    add(rows, EventLog.event(rs));
                    events++;
                }
            }
        }
        write(connection, rows);
        return events;
    }

    private static void add(Map<RollupKey, RollupCounts> rows, StoredEvent stored) {
        UsageEvent e = stored.event();
        // A minute starts at the same instant in every zone of today's tz database (offsets are whole minutes), so
        // the customer's zone, which fixed the bucket at ingestion, is not needed to find it again.
        RollupKey key = new RollupKey(e.customerId(), Window.MINUTE, e.timestamp().truncatedTo(ChronoUnit.MINUTES),
                RollupKey.nonNull(e.provider()), RollupKey.nonNull(e.model()), RollupKey.nonNull(e.endpoint()));
        rows.computeIfAbsent(key, k -> new RollupCounts()).add(e, stored.cost(), stored.unpriced());
    }

    /** The pending increments plus the staged ones, in new objects: a rollback must leave {@code pending} intact. */
    private Map<RollupKey, RollupCounts> merged() {
        Map<RollupKey, RollupCounts> all = new HashMap<>(pending.size() + staged.size());
        pending.forEach((key, counts) -> all.computeIfAbsent(key, k -> new RollupCounts()).add(counts));
        staged.forEach((key, counts) -> all.computeIfAbsent(key, k -> new RollupCounts()).add(counts));
        return all;
    }

    private void write(Connection connection, Map<RollupKey, RollupCounts> rows) throws SQLException {
        if (!rows.isEmpty()) {
            List<Map.Entry<RollupKey, RollupCounts>> sorted = new ArrayList<>(rows.entrySet());
            sorted.sort(Map.Entry.comparingByKey(KEY_ORDER));
            writer.add(connection, new RollupIncrements(sorted, List.of(), sorted, List.of()));
        }
        try (PreparedStatement ps = connection.prepareStatement(SET_WATERMARK)) {
            ps.setString(1, WATERMARK);
            ps.executeUpdate();
        }
    }
}
