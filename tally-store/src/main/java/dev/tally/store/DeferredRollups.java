package dev.tally.store;

import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.SumBoundException;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.UnaryOperator;

/**
 * The SQLite store's rollups (every grain, and the latency histogram), written behind the acknowledging
 * transactions instead of inside each of them.
 *
 * <p>Why: SQLite has one writer, and upserting a batch's rollup rows cost more of its time than inserting the
 * events; with small batches, where a batch touches nearly as many rollup rows as it holds events, it halved the
 * throughput. Here a batch's increments wait in memory and are written summed over a few seconds of batches (one
 * upsert per row for many batches), as part of a later acknowledging transaction, together with a watermark: the
 * highest event {@code seq} they include. The rows in the database therefore always sum exactly the events up to
 * the watermark.
 *
 * <p>Nothing is lost on a crash: the increments still in memory belong to events after the watermark, which are in
 * the ledger with the buckets they were given at ingestion; opening the store folds them in again
 * ({@link #recover}, {@link LedgerReplay}). Reads add the pending increments to what the database holds
 * ({@link #read}, {@link #latency}), so readers never see the lag.
 *
 * <p>Concurrency: the state here changes only inside write transactions, which the store runs one at a time (SQLite's
 * single writer: events are committed in {@code seq} order). A transaction that writes the pending rows holds
 * {@link #flushes} exclusively while it commits and clears them; readers hold it shared while they read the database,
 * so the rollup tables cannot change under a read (only such transactions write them). An ordinary batch's commit
 * only queues its increments ({@link PendingRollups}) and never waits for a reader. PostgreSQL, where several nodes
 * write concurrently and {@code seq} order is not commit order, writes its rollups in the acknowledging
 * transaction.
 */
final class DeferredRollups {
    /** The {@code settings} row holding the highest event seq that the stored rollups include. */
    static final String WATERMARK = "rollups_through_seq";
    /**
     * The watermark of schema version 7, which deferred minute rows only: if present, the minute rows lag it, and the
     * first open folds the events after it into minute rows and removes it.
     */
    static final String MINUTE_WATERMARK_V7 = "minute_rollups_through_seq";
    /**
     * How long increments wait at most before a transaction writes them (if any transaction comes). Longer sums more
     * batches into one upsert per row; it also bounds the events a start-up after a crash reads back (5 s of traffic).
     */
    static final Duration MAX_DELAY = Duration.ofSeconds(5);
    /**
     * Pending rows and latency cells that make the next transaction write them, however young. It bounds memory
     * (about 350 bytes a row: some 70 MB) and the time that transaction takes (about 3.5 us a row: 0.7 s). Set so
     * that 5 s of the benchmark's traffic, 10,000 series of 4 grains and 11,000 latency cells, fit: at 50,000, the
     * rows were written every 0.4 s, each about once per event, and nothing was gained.
     */
    static final int MAX_ROWS = 200_000;
    /**
     * The {@code settings} row holding an upper bound of every sum in the rollup tables, which spares the overflow
     * check ({@link #checkRoom}) a read per row.
     */
    static final String SUM_BOUND = "rollup_sum_bound";

    private static final RollupBatch NONE = new RollupBatch(Map.of(), Map.of());
    private static final Comparator<RollupKey> KEY_ORDER = Comparator.comparing(RollupKey::customerId)
            .thenComparing(RollupKey::bucketStart).thenComparing(RollupKey::provider)
            .thenComparing(RollupKey::model).thenComparing(RollupKey::endpoint);

    private final RollupWriter writer;
    private final InstantSource clock;
    /** Shared by readers of the database's rollups, exclusive for the commit of a transaction that writes them. */
    private final ReentrantReadWriteLock flushes = new ReentrantReadWriteLock();
    /** Increments of committed events not yet in the database. */
    private final PendingRollups pending = new PendingRollups();

    /**
     * When the oldest increments still pending were committed ({@link InstantSource#millis()}); written by the
     * transaction under way only (one at a time), read by metrics too.
     */
    private volatile long oldestPendingMs;

    // Touched only by the transaction under way (one at a time).
    /** The increments of the transaction under way, until it commits. */
    private RollupBatch staged = NONE;
    /** Whether the transaction under way writes everything pending. */
    private boolean writing;
    /** The watermark the transaction under way writes. */
    private long writingThrough;
    /** The watermark in the database: every event up to it is in the stored rollups. */
    private volatile long writtenThrough;
    /** No sum in the rollup tables exceeds it. */
    private long sumBound;
    /** The bound after the transaction under way, which writes rollups. */
    private long writingBound;
    /** No pending sum exceeds it: the sum of the largest sums of the batches pending. */
    private long pendingBound;
    /** The largest sum of the staged increments. */
    private long stagedLargest;

    /** The end user and dimension sums, pending and written with these rollups. */
    private final EndUserRollups endUsers;

    DeferredRollups(RollupWriter writer, InstantSource clock, EndUserRollups endUsers) {
        this.writer = writer;
        this.clock = clock;
        this.endUsers = endUsers;
    }

    /**
     * Takes the increments of a batch's new events, inside its transaction; when the pending ones are due, writes
     * them all, this batch's too, with the watermark. Takes effect only if the transaction commits.
     *
     * @param largest the largest sum in {@code increments}' rows
     */
    void stage(Connection connection, RollupBatch increments, long largest) throws SQLException {
        if (largest > Long.MAX_VALUE - sumBound - pendingBound) {
            checkRoom(connection, increments); // only with sums near the limit: never with real usage
        }
        staged = increments;
        stagedLargest = largest;
        writing = !pending.isEmpty() && (pending.summedRows() >= MAX_ROWS
                || clock.millis() - oldestPendingMs >= MAX_DELAY.toMillis());
        if (writing) {
            write(connection, pending.with(staged));
            endUsers.writePending(connection, true);
        }
    }

    /** Writes every pending increment now, in the caller's transaction. */
    void flush(Connection connection) throws SQLException {
        staged = NONE;
        stagedLargest = 0;
        writing = !pending.isEmpty();
        if (writing) {
            write(connection, pending.with(NONE));
            endUsers.writePending(connection, false);
        }
    }

    /** Whether increments wait in memory. */
    boolean hasPending() {
        return !pending.isEmpty();
    }

    /**
     * How long the oldest committed increments not yet in the rollup tables have waited, 0 if none wait: the rollup
     * lag (readers do not see it, since reads add what is pending; a crash makes the next start-up read that much of
     * the ledger back).
     */
    long lagMillis() {
        // Read the time first: a batch that becomes pending after the check shows as 0 lag rather than negative.
        long since = oldestPendingMs;
        return pending.isEmpty() ? 0 : Math.max(0, clock.millis() - since);
    }

    /** The highest event seq whose increments are in the database's rollups. */
    long writtenThrough() {
        return writtenThrough;
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
                if (writing) {
                    flushes.writeLock().lock(); // released in committed() or rolledBack()
                }
            }

            @Override
            public void committed() {
                DeferredRollups.this.committed();
            }

            @Override
            public void rolledBack() {
                DeferredRollups.this.rolledBack();
            }
        };
    }

    /**
     * Refuses a batch that would make a rollup sum exceed a long, before it is acknowledged: once acknowledged, its
     * increments must be written, and a write that cannot succeed would stop every later batch. (Written in the
     * acknowledging transaction, the failing upsert used to fail the batch instead.) Called only when the bounds of
     * the stored and pending sums leave too little room; it then reads the stored sums of the batch's rows.
     */
    private void checkRoom(Connection connection, RollupBatch increments) throws SQLException {
        // Throws SumBoundException rather than SQLException: the events, not the store, are at fault, and a retry
        // of the same events can never succeed.
        for (Map.Entry<RollupKey, RollupCounts> row : increments.counts().entrySet()) {
            try {
                RollupCounts before = pending.row(row.getKey());
                if (largestSum(before, row.getValue()) > Long.MAX_VALUE - sumBound) {
                    largestSum(stored(connection, row.getKey()), before, row.getValue());
                }
            } catch (ArithmeticException e) {
                throw new SumBoundException("the " + row.getKey().grain().wireName() + " rollup of " + row.getKey()
                        .customerId() + " at " + row.getKey().bucketStart() + " would exceed the largest sum a "
                        + "rollup holds (" + Long.MAX_VALUE + ")", e);
            }
        }
    }

    /** The database's sums of one rollup row, or null if it has none. */
    static RollupCounts stored(Connection connection, RollupKey key) throws SQLException {
        for (RollupRow row : new RollupReader().rollups(connection, key.customerId(), key.grain(), key.bucketStart(),
                key.bucketStart().plusMillis(1))) {
            if (row.key().equals(key)) {
                return row.counts();
            }
        }
        return null;
    }

    /**
     * The largest of the parts' sums, column by column and metric by metric (nulls are no part).
     *
     * @throws ArithmeticException if a sum exceeds a long
     */
    static long largestSum(RollupCounts... parts) {
        long[] sums = new long[RollupWriter.SUMS.size()];
        Map<String, Long> metrics = new HashMap<>();
        for (RollupCounts part : parts) {
            if (part == null) {
                continue;
            }
            long[] columns = RollupWriter.sums(part);
            for (int i = 0; i < sums.length; i++) {
                sums[i] = Math.addExact(sums[i], columns[i]);
            }
            part.metricMicros().forEach((metric, micros) -> metrics.merge(metric, micros, Math::addExact));
        }
        long largest = 0;
        for (long sum : sums) {
            largest = Math.max(largest, sum);
        }
        for (long sum : metrics.values()) {
            largest = Math.max(largest, sum);
        }
        return largest;
    }

    /** The transaction that staged or flushed committed. */
    private void committed() {
        try {
            endUsers.committed(writing);
            if (writing) {
                pending.clear();
                pendingBound = 0;
                writtenThrough = writingThrough;
                sumBound = writingBound;
            } else if (!isEmpty(staged)) {
                if (pending.isEmpty()) {
                    oldestPendingMs = clock.millis();
                }
                pending.add(staged);
                pendingBound = Math.min(Long.MAX_VALUE - sumBound, saturatedSum(pendingBound, stagedLargest));
            }
        } finally {
            rolledBack();
        }
    }

    /** The transaction that staged or flushed was rolled back (or has committed): forget its state. */
    private void rolledBack() {
        endUsers.rolledBack();
        if (flushes.writeLock().isHeldByCurrentThread()) {
            flushes.writeLock().unlock();
        }
        staged = NONE;
        writing = false;
    }

    /**
     * Reads rollup rows of one grain with buckets in [from, to): what {@code fromDatabase} returns plus the pending
     * increments, shaped by {@code shape} like the database's rows, summed by key and ordered like the database's
     * answer.
     *
     * @param customerId the one customer read, or null for all
     */
    List<RollupRow> read(Window grain, String customerId, Instant from, Instant to, DatabaseRead fromDatabase,
                         UnaryOperator<RollupKey> shape) {
        flushes.readLock().lock();
        try {
            List<RollupRow> stored = fromDatabase.rows();
            List<Map.Entry<RollupKey, RollupCounts>> picked = pending.rows(grain, customerId, from, to, shape);
            return picked.isEmpty() ? stored : merge(stored, picked);
        } finally {
            flushes.readLock().unlock();
        }
    }

    /**
     * Runs a read of the database that adds pending sums of its own (the end user sums), under the lock that keeps
     * pending sums from being written meanwhile.
     */
    <T> T readLocked(java.util.function.Supplier<T> read) {
        flushes.readLock().lock();
        try {
            return read.get();
        } finally {
            flushes.readLock().unlock();
        }
    }

    /** A customer's latency histogram over the days starting in [from, to), stored plus pending cells. */
    SortedMap<Integer, Long> latency(String customerId, Instant from, Instant to, DatabaseHistogram fromDatabase) {
        flushes.readLock().lock();
        try {
            SortedMap<Integer, Long> histogram = new TreeMap<>(fromDatabase.histogram());
            pending.addLatency(customerId, from, to, histogram);
            return histogram;
        } finally {
            flushes.readLock().unlock();
        }
    }

    /** The stored rows plus the picked pending ones, summed by key, in the database's order. */
    static List<RollupRow> merge(List<RollupRow> stored, List<Map.Entry<RollupKey, RollupCounts>> picked) {
        Map<RollupKey, RollupCounts> merged = new TreeMap<>(KEY_ORDER);
        for (RollupRow row : stored) {
            merged.put(row.key(), row.counts());
        }
        // The database's rows and the picked copies are new objects made for this read: adding to them is safe.
        picked.forEach(e -> merged.merge(e.getKey(), e.getValue(), (a, b) -> {
            a.add(b);
            return a;
        }));
        List<RollupRow> rows = new ArrayList<>(merged.size());
        merged.forEach((key, counts) -> rows.add(new RollupRow(key, counts)));
        return rows;
    }

    /** A read of rollup rows from the database. */
    @FunctionalInterface
    interface DatabaseRead {
        List<RollupRow> rows();
    }

    /** A read of a latency histogram from the database. */
    @FunctionalInterface
    interface DatabaseHistogram {
        SortedMap<Integer, Long> histogram();
    }


    /**
     * Folds the events after the watermark into the rollups, at start-up: the increments a crash took with it. Run in
     * one transaction before the store serves anything.
     *
     * @return how many events were folded in
     */
    int recover(Connection connection) throws SQLException {
        sumBound = KeyRows.setting(connection, SUM_BOUND).map(Long::parseLong).orElse(-1L);
        if (sumBound < 0) {
            sumBound = LedgerReplay.largestStoredSum(connection);
        }
        long through = KeyRows.setting(connection, WATERMARK).map(Long::parseLong).orElse(0L);
        Long minutesThrough = KeyRows.setting(connection, MINUTE_WATERMARK_V7).map(Long::parseLong).orElse(null);
        LedgerReplay.Replayed replayed = LedgerReplay.replay(connection, minutesThrough, through);
        if (minutesThrough != null) {
            try (PreparedStatement ps = connection.prepareStatement("DELETE FROM settings WHERE name = ?")) {
                ps.setString(1, MINUTE_WATERMARK_V7);
                ps.executeUpdate();
            }
        }
        endUsers.replay(connection, through);
        write(connection, replayed.sums());
        endUsers.writePending(connection, false);
        endUsers.committed(true);
        writtenThrough = writingThrough;
        sumBound = writingBound;
        return replayed.events();
    }

    private void write(Connection connection, RollupBatch rows) throws SQLException {
        long largest = 0;
        for (RollupCounts counts : rows.counts().values()) {
            largest = Math.max(largest, counts.largestSum());
        }
        // Every stored sum was at most sumBound; each grows by at most the largest increment.
        writingBound = saturatedSum(sumBound, largest);
        KeyRows.putSetting(connection, SUM_BOUND, Long.toString(writingBound));
        if (!isEmpty(rows)) {
            writer.add(connection, RollupIncrements.of(rows));
        }
        try (PreparedStatement ps = connection.prepareStatement("SELECT COALESCE(MAX(seq), 0) FROM events");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            writingThrough = rs.getLong(1);
        }
        KeyRows.putSetting(connection, WATERMARK, Long.toString(writingThrough));
    }

    /** a + b for non-negative values, or Long.MAX_VALUE if that exceeds a long. */
    private static long saturatedSum(long a, long b) {
        return b > Long.MAX_VALUE - a ? Long.MAX_VALUE : a + b;
    }

    /** Stops the thread that sums pending increments. */
    void close() {
        pending.close();
        endUsers.close();
    }

    private static boolean isEmpty(RollupBatch batch) {
        return batch.counts().isEmpty() && batch.latency().isEmpty();
    }
}
