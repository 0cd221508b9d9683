package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.SumBoundException;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * The PostgreSQL store's rollups, written behind the acknowledging transactions from a durable queue, safe with
 * several nodes writing at once.
 *
 * <p>Why: upserting a batch's rollup rows (four grains per series, the metrics, the latency cells) cost about three
 * times the events' own insert, and concurrent writers queued on the row locks of the same hot rows until each
 * other's commit. Now an append commits its events and one row of {@code rollup_pending} holding their seqs
 * ({@link #enqueue}); a roller ({@link #roll}, on whichever node gets the advisory lock first) claims queued rows,
 * reads their events back, adds their increments to the rollup tables (and their end user and dimension sums,
 * {@link EndUserRollups}) and deletes the rows, in one transaction, summed over many appends (one upsert per row for
 * many batches).
 *
 * <p>Exactly once, whatever stops when: an event's queue row commits with the event, and leaves only in the
 * transaction that adds the event to the rollups. A node killed mid-append loses the append (not acknowledged); a
 * roller killed mid-pass rolls back, and the rows wait for the next pass of any node. Readers see every acknowledged
 * event: they read the rollup tables and the queued events in one REPEATABLE READ snapshot ({@link #rows},
 * {@link #latency}), so a pass that commits in between is seen either whole or not at all.
 *
 * <p>Sums never pass a bigint: an append checks, before it is acknowledged, that the stored sums plus everything
 * queued plus its own increments fit, because a pass that failed on them would stop the queue. The stored sums are
 * bounded by a {@code settings} row the roller keeps ({@value #SUM_BOUND}), the queued ones by the sum of each queue
 * row's largest increment (rows up to {@value #SMALL_INCREMENT} counted at that much each, so the check reads only
 * the few large rows). Concurrent appends cannot see each other, so appends take an advisory lock: shared while
 * their increments are small ({@value #SHARED_INCREMENT} at most) and the bounds leave room ({@value #SHARED_ROOM}
 * at most), so that even every connection PostgreSQL allows (fewer than 2^18) appending at once stays below
 * 2^63; exclusive otherwise, which waits for the shared holders and then checks the batch's rows exactly. The roller
 * holds the lock shared too, so an exclusive check never sees a pass half done. With real usage, sums stay far below
 * these bounds and every append takes the shared lock.
 */
final class QueuedRollups {
    /** The {@code settings} row holding an upper bound of every sum in the rollup tables. */
    static final String SUM_BOUND = "rollup_sum_bound";
    /** The largest increment an append may add under the shared lock: 2^43. */
    static final long SHARED_INCREMENT = 1L << 43;
    /** The most that stored plus queued plus own sums may reach for an append under the shared lock: 2^62. */
    static final long SHARED_ROOM = 1L << 62;
    /**
     * Queue rows with increments up to this (2^40) are not summed by the overflow check of an append, which would
     * read every queue row: it counts them at this much each, by the span of the queue's ids (two index probes).
     * Rows above it are few and found through a partial index.
     */
    static final long SMALL_INCREMENT = 1L << 40;
    /**
     * The most events one roller pass claims, about: bounds its transaction's length (a pass of this many takes some
     * seconds). Above what one interval queues at the rates one database takes (some 40,000-50,000 events/s for 5 s),
     * so that a pass sums the whole interval into one upsert per row. At 100,000, two passes ran back to back each
     * interval at that rate and each upserted nearly the same rows: PostgreSQL's roller cost about twice as much per
     * event. A pass claims fewer when its events touch many rows ({@link #PASS_ROWS}).
     */
    static final int MOST_PASS_EVENTS = 500_000;
    /** The fewest events a pass claims (at least one queue row), however many rows they touch: the earlier cap. */
    static final int FEWEST_PASS_EVENTS = 100_000;
    /**
     * The rows (rollup, latency and end user rows together) a pass aims to write at most: what a pass of
     * {@value #FEWEST_PASS_EVENTS} events could write when each event is a series of its own (its four grains).
     * A pass's memory is its sums, one per row, and its upserts are one statement per table, each of which must
     * answer within the pool's socket timeout; events of few series touch a fraction of a row each and may be
     * claimed by {@value #MOST_PASS_EVENTS}, events of many series (an endpoint per item, say) by {@value
     * #FEWEST_PASS_EVENTS}. Each pass's rows per event set the next pass's claim ({@link #nextPassEvents}).
     */
    static final int PASS_ROWS = 400_000;

    private static final String SUMS_LOCK = "hashtext(current_schema() || '/rollup-sums')";
    private static final String LOCK_SHARED = "SELECT pg_advisory_xact_lock_shared(" + SUMS_LOCK + ")";
    private static final String LOCK_EXCLUSIVE = "SELECT pg_advisory_xact_lock(" + SUMS_LOCK + ")";
    private static final String ROLL_LOCK = "hashtext(current_schema() || '/rollup-roll')";
    private static final String TRY_ROLL = "SELECT pg_try_advisory_xact_lock(" + ROLL_LOCK + ")";
    private static final String WAIT_ROLL = "SELECT true FROM (SELECT pg_advisory_xact_lock(" + ROLL_LOCK + ")) l";
    /** The three bounds an append checks: the stored sums', the large queue rows' sum, the queue's span of ids. */
    private static final String BOUNDS = "(SELECT CAST(value AS BIGINT) FROM settings WHERE name = '" + SUM_BOUND
            + "') AS bound, (SELECT CAST(LEAST(COALESCE(SUM(largest), 0), " + Long.MAX_VALUE + ") AS BIGINT) "
            + "FROM rollup_pending WHERE largest > " + SMALL_INCREMENT + ") AS queued, "
            + "(SELECT COALESCE(MAX(id) - MIN(id) + 1, 0) FROM rollup_pending) AS span";
    /**
     * Queues an append's events in one row (its customers, where each one's slice of the seqs starts, the seqs) and
     * reads the bounds in the same statement: the outer query sees the snapshot of the statement's start, taken
     * after the lock, without the row it inserts.
     */
    private static final String ENQUEUE = "WITH queued AS (INSERT INTO rollup_pending (customers, starts, seqs, "
            + "largest, created_ms) VALUES (?::text[], ?::integer[], ?::bigint[], ?, ?)) SELECT " + BOUNDS;
    /**
     * A whole append under the shared lock in one round trip (statements sent together, each with its own snapshot,
     * so the second one's is taken after the lock as in {@link #ENQUEUE}): the lock; then the events' insert, one
     * queue row for the rows it stored (their seqs by customer, and the batch's largest increment, which bounds that
     * of its new events), and the bounds, on every returned row. Before, the lock, the insert and the
     * queue rows were three round trips, each a wait for the database and, on a busy machine, for a core.
     */
    static final String APPEND_SHARED = LOCK_SHARED + "; WITH ins AS (" + ArrayEventInserter.INSERT_EVENTS + "), "
            + queueRows() + "SELECT i.seq, i.event_id, i.ce_source, b.bound, b.queued, b.span FROM ins i "
            + "CROSS JOIN (SELECT " + BOUNDS + ") b";
    /**
     * {@link #APPEND_SHARED} for a batch whose keys are all new, its common case: the events go in without
     * {@code ON CONFLICT} ({@link ArrayEventInserter#INSERT_NEW_EVENTS}), and only the bounds come back (every row
     * sent was stored). A key already stored fails the statement with 23505, and the append runs again with
     * {@link #APPEND_SHARED}.
     */
    static final String APPEND_NEW_SHARED = LOCK_SHARED + "; WITH ins AS (" + ArrayEventInserter.INSERT_NEW_EVENTS
            + "), " + queueRows() + "SELECT " + BOUNDS;
    /** SQLSTATE unique_violation: an event key already stored. */
    private static final String UNIQUE_VIOLATION = "23505";

    /**
     * Claims the oldest queue rows up to an id (the last one for an unbounded pass), about a pass's events (at
     * least one row). The roller's lock is held, so no other pass claims rows meanwhile.
     */
    private static final String CLAIM = "DELETE FROM rollup_pending WHERE id IN (SELECT id FROM (SELECT id, "
            + "SUM(cardinality(seqs)) OVER (ORDER BY id) - cardinality(seqs) AS before FROM rollup_pending "
            + "WHERE id <= ?) q WHERE before < ?) RETURNING seqs";
    /** The last queue row's id, 0 if the queue is empty: what a bounded roll-up ({@link #rollThrough}) stops at. */
    private static final String LAST_ID = "SELECT COALESCE(MAX(id), 0) FROM rollup_pending";
    private static final String RAISE_BOUND = "UPDATE settings SET value = CAST(GREATEST(CAST(value AS BIGINT), ?) "
            + "AS TEXT) WHERE name = '" + SUM_BOUND + "'";
    private static final String OLDEST = "SELECT MIN(created_ms) FROM rollup_pending";
    /**
     * The {@code settings} row holding when the last pass that left the queue shorter than a pass ended, in
     * milliseconds of the database's clock (one clock for every node, whatever theirs say).
     */
    static final String LAST_PASS = "rollup_last_pass_ms";
    private static final String DB_MILLIS = "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)";
    private static final String SINCE_LAST_PASS = "SELECT " + DB_MILLIS + " - CAST(value AS BIGINT) FROM settings "
            + "WHERE name = '" + LAST_PASS + "'";
    private static final String MARK_PASS = "INSERT INTO settings (name, value) VALUES ('" + LAST_PASS + "', CAST("
            + DB_MILLIS + " AS TEXT)) ON CONFLICT (name) DO UPDATE SET value = excluded.value";
    private static final String LOWEST_SEQ = "SELECT MIN(s) FROM rollup_pending, unnest(seqs) AS s";

    private final PostgresRollupWriter writer = new PostgresRollupWriter();
    /** Events a pass claims, about, when set ({@link #passEvents(int)}, in tests); 0: as the last pass suggests. */
    private volatile int fixedPassEvents;
    /** Events the next pass claims, about, from the rows per event of the last one ({@link #nextPassEvents}). */
    private volatile int adaptedPassEvents = MOST_PASS_EVENTS;
    private final InstantSource clock;
    private final EndUserRollups endUsers;
    /** Set when an append found the bounds too close for the shared lock: the next ones take it exclusively. */
    private volatile boolean exclusiveNext;
    /**
     * Set on a thread whose append without ON CONFLICT met a stored key: its next append, the transactor's retry of
     * that one (on the same thread), skips stored keys instead. Per thread, so that concurrent appends of other
     * threads neither take the retry's flag nor are slowed by it.
     */
    private final ThreadLocal<Boolean> skipStoredNext = ThreadLocal.withInitial(() -> false);

    /** The queue's appends and passes; a pass also adds the events' end user and dimension sums. */
    QueuedRollups(InstantSource clock, EndUserRollups endUsers) {
        this.clock = clock;
        this.endUsers = endUsers;
    }

    /**
     * Takes the advisory lock an append needs, first in its transaction (before its events, so that waiting for
     * it never holds an event's unique-index lock another append waits for).
     *
     * @param largest the largest increment of the whole batch (its new events' are at most that)
     * @return whether the lock is exclusive: pass it to {@link #enqueue}
     */
    boolean lock(Connection connection, long largest) throws SQLException {
        boolean exclusive = needsExclusive(largest);
        try (PreparedStatement ps = connection.prepareStatement(exclusive ? LOCK_EXCLUSIVE : LOCK_SHARED)) {
            ps.execute();
        }
        return exclusive;
    }

    /** Whether an append whose largest increment is {@code largest} must take the lock exclusively. */
    boolean needsExclusive(long largest) {
        return exclusiveNext || largest > SHARED_INCREMENT;
    }

    /**
     * A whole append under the shared lock in one round trip, in the caller's transaction: inserts the batch's
     * events, queues the new ones a row per customer, and checks the bounds as {@link #enqueue} does. Only when
     * {@link #needsExclusive} is false. Without ON CONFLICT ({@link #APPEND_NEW_SHARED}) unless the last append
     * found a stored key; then with it ({@link #APPEND_SHARED}).
     *
     * @throws SQLException with SQLSTATE 40001 (retried) if the shared lock is not enough for this append, or if a
     *                      key was already stored (the retry skips stored keys)
     */
    EventInserter.Inserted appendShared(Connection connection, LedgerWriter.Batch batch) throws SQLException {
        ArrayEventInserter.Rows rows = ArrayEventInserter.Rows.of(batch);
        // Found while the batch was prepared, off this committing thread.
        long largest = batch.rollups().largest();
        boolean skipStored = skipStoredNext.get();
        skipStoredNext.set(false);
        Map<ArrayEventInserter.Key, Long> inserted = new HashMap<>(batch.entries().size() * 2);
        long[] bounds = null;
        try (PreparedStatement ps = connection.prepareStatement(skipStored ? APPEND_SHARED : APPEND_NEW_SHARED)) {
            rows.bind(connection, ps, 1);
            int next = 1 + ArrayEventInserter.PARAMETERS;
            ps.setLong(next, largest);
            ps.setLong(next + 1, clock.millis());
            ps.execute(); // the lock's row
            if (!ps.getMoreResults()) {
                throw new SQLException("the append statement returned no rows for its events");
            }
            try (ResultSet rs = ps.getResultSet()) {
                bounds = skipStored ? readInserted(rs, inserted) : readBounds(rs);
            }
        } catch (SQLException e) {
            if (!skipStored && UNIQUE_VIOLATION.equals(e.getSQLState())) {
                skipStoredNext.set(true);
                throw new SQLException("an event key of the batch is already stored: the append is run again, "
                        + "skipping stored keys", "40001", e);
            }
            throw e;
        }
        if (bounds != null) {
            if (total(bounds[0], bounds[1], bounds[2], largest) > SHARED_ROOM) {
                throw nearTheBound();
            }
        }
        return skipStored ? rows.inserted(batch, inserted) : rows.allSent(batch);
    }

    /**
     * Reads {@link #APPEND_SHARED}'s rows (seq, event id, source, then the bounds) into {@code inserted}.
     *
     * @return the bounds, or null if no event was new
     */
    private static long[] readInserted(ResultSet rs, Map<ArrayEventInserter.Key, Long> inserted)
            throws SQLException {
        long[] bounds = null;
        while (rs.next()) {
            inserted.put(new ArrayEventInserter.Key(rs.getString(2), rs.getString(3)), rs.getLong(1));
            if (bounds == null) {
                bounds = boundsAt(rs, 4);
            }
        }
        return bounds;
    }

    /** Reads {@link #APPEND_NEW_SHARED}'s one row: the bounds. */
    private static long[] readBounds(ResultSet rs) throws SQLException {
        if (!rs.next()) {
            throw new SQLException("the append statement returned no bounds");
        }
        return boundsAt(rs, 1);
    }

    /** The stored sums' bound (Long.MAX_VALUE if unknown), the large queue rows' sum and the queue's span. */
    private static long[] boundsAt(ResultSet rs, int first) throws SQLException {
        long bound = rs.getLong(first);
        return new long[]{rs.wasNull() ? Long.MAX_VALUE : bound, rs.getLong(first + 1), rs.getLong(first + 2)};
    }

    /**
     * The CTE that queues the rows of {@code ins} in one queue row (none if {@code ins} is empty): the customers,
     * where each one's slice of the seqs starts (SQL arrays count from 1), the seqs ordered by customer and seq in
     * the same order, and the batch's largest increment (which bounds that of its new events). Parameters: the
     * largest increment, the time.
     */
    private static String queueRows() {
        return "queued AS (INSERT INTO rollup_pending (customers, starts, seqs, largest, created_ms) "
                + "SELECT array_agg(c.customer_id ORDER BY c.customer_id), array_agg(c.start ORDER BY c.customer_id), "
                + "(SELECT array_agg(i.seq ORDER BY i.customer_id, i.seq) FROM ins i), ?, ? "
                + "FROM (SELECT customer_id, CAST(SUM(COUNT(*)) OVER (ORDER BY customer_id) - COUNT(*) + 1 AS INTEGER) "
                + "AS start FROM ins GROUP BY customer_id) c HAVING COUNT(*) > 0) ";
    }

    /** The most any rollup sum may reach with this append: stored plus queued plus its own, saturated. */
    private static long total(long bound, long queued, long span, long largest) {
        // Every queued sum is at most the large rows' sum plus SMALL_INCREMENT per other row.
        long small = span > Long.MAX_VALUE / SMALL_INCREMENT ? Long.MAX_VALUE : span * SMALL_INCREMENT;
        return saturatedSum(saturatedSum(saturatedSum(bound, queued), small), largest);
    }

    /** Marks the next appends exclusive; the exception makes the transactor run this one again so. */
    private SQLException nearTheBound() {
        exclusiveNext = true;
        return new SQLException("the rollup sums are near the largest a bigint holds: the append is run again "
                + "under the exclusive lock, which checks its rows exactly", "40001");
    }

    /**
     * Queues the new events of an append, in its transaction, in one queue row, after checking that their sums fit.
     *
     * @param entries    the append's entries
     * @param seqs       for each entry, the seq of its row if it was stored, else 0
     * @param increments the rollup increments of the stored entries
     * @param exclusive  what {@link #lock} returned
     * @throws SumBoundException if a rollup row would exceed a bigint (checked exactly under the exclusive lock)
     * @throws SQLException      with SQLSTATE 40001 (retried) if the shared lock is not enough for this append
     */
    void enqueue(Connection connection, List<LedgerEntry> entries, long[] seqs, RollupBatch increments,
                 boolean exclusive) throws SQLException {
        Map<String, List<Long>> byCustomer = new TreeMap<>();
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i] != 0) {
                byCustomer.computeIfAbsent(entries.get(i).event().customerId(), c -> new ArrayList<>()).add(seqs[i]);
            }
        }
        if (byCustomer.isEmpty()) {
            return;
        }
        long largest = 0;
        for (RollupCounts counts : increments.counts().values()) {
            largest = Math.max(largest, counts.largestSum());
        }
        List<Long> flat = new ArrayList<>();
        Integer[] starts = new Integer[byCustomer.size()];
        int row = 0;
        for (List<Long> customerSeqs : byCustomer.values()) {
            starts[row++] = flat.size() + 1; // SQL arrays count from 1
            flat.addAll(customerSeqs);
        }
        long bound;
        long queued;
        long span;
        try (PreparedStatement ps = connection.prepareStatement(ENQUEUE)) {
            ps.setArray(1, PgArrays.texts(connection, byCustomer.keySet()));
            ps.setArray(2, connection.createArrayOf("integer", starts));
            ps.setArray(3, PgArrays.longs(connection, flat));
            ps.setLong(4, largest);
            ps.setLong(5, clock.millis());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                bound = rs.getLong(1);
                // No bound row (it is made by the migration): assume the worst, and check exactly.
                bound = rs.wasNull() ? Long.MAX_VALUE : bound;
                queued = rs.getLong(2);
                span = rs.getLong(3);
            }
        }
        long total = total(bound, queued, span, largest);
        if (!exclusive) {
            if (total <= SHARED_ROOM) {
                return;
            }
            throw nearTheBound();
        }
        // Exclusive: no other append is under way and no pass is half done, so the bounds (or the rows) are exact.
        if (total == Long.MAX_VALUE) {
            checkRows(connection, increments);
        }
        exclusiveNext = total > SHARED_ROOM;
    }

    /**
     * Checks each row of {@code increments} exactly: its stored sums plus every queued event's increments (this
     * append's included, queued in this transaction) must fit in a bigint.
     */
    private static void checkRows(Connection connection, RollupBatch increments) throws SQLException {
        Map<String, RollupBatch> queuedByCustomer = new HashMap<>();
        for (RollupKey key : increments.counts().keySet()) {
            try {
                RollupBatch queued = queuedByCustomer.get(key.customerId());
                if (queued == null) {
                    // Summing the queued events may overflow already: exact sums throw.
                    queued = RollupBatch.of(LedgerReplay.pending(connection, key.customerId()));
                    queuedByCustomer.put(key.customerId(), queued);
                }
                DeferredRollups.largestSum(DeferredRollups.stored(connection, key), queued.counts().get(key));
            } catch (ArithmeticException e) {
                throw new SumBoundException("the " + key.grain().wireName() + " rollup of " + key.customerId()
                        + " at " + key.bucketStart() + " would exceed the largest sum a rollup holds ("
                        + Long.MAX_VALUE + ")", e);
            }
        }
    }

    /**
     * One roller pass: if no other node is rolling (or once it is done, if {@code wait}), claims the oldest queue
     * rows, about {@value #FEWEST_PASS_EVENTS} to {@value #MOST_PASS_EVENTS} events ({@link #nextPassEvents}), adds
     * their events to the rollup tables, raises the sum bound and deletes the rows, all in the caller's transaction.
     *
     * @return the events rolled up (at least {@value #FEWEST_PASS_EVENTS} when more may wait), 0 if the queue was
     *         empty or another node is rolling
     */
    int roll(Connection connection, boolean wait) throws SQLException {
        return roll(connection, wait, 0, Long.MAX_VALUE);
    }

    /**
     * One pass over the queue rows up to {@code lastId} only ({@link #lastId}), waiting for a pass under way: how
     * retention and a closing store roll up what was queued when they began, and no more. Rows queued later are the
     * scheduled roller's: were they rolled here too, appends that queue events faster than a pass rolls them would
     * keep the caller passing for as long as they last.
     *
     * @return the events rolled up, 0 once no row up to {@code lastId} is left
     */
    int rollThrough(Connection connection, long lastId) throws SQLException {
        return lastId <= 0 ? 0 : roll(connection, true, 0, lastId);
    }

    /** The id of the last queue row committed so far, 0 if the queue is empty. */
    static long lastId(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(LAST_ID); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Sets the events a pass claims, about (at least one queue row), instead of adapting them to the rows they
     * touch: small in tests, to need many passes. The scheduled roller still runs its next pass at once only after
     * one of at least {@value #FEWEST_PASS_EVENTS}.
     */
    void passEvents(int events) {
        if (events < 1) {
            throw new IllegalArgumentException("a pass claims at least 1 event, was " + events);
        }
        this.fixedPassEvents = events;
    }

    /**
     * A scheduled pass: {@link #roll} unless another node's pass (or this one's) left the queue less than
     * {@code everyMillis} (nine tenths of it) ago, by the database's clock.
     *
     * <p>Why: every node runs a roller on its own timer, so with two nodes a pass came every half interval, each
     * summing half as many appends into its upserts. A pass upserts each row its events touch once, and the rows
     * touched grow more slowly than the events (the benchmark's 50,000 customer and user pairs: about 32,000 rows
     * of each end user table for 2.5 s of appends at 20,000 events/s, 43,000 for 5 s), so shorter passes cost the
     * database more per event. Now the interval is the cluster's: one pass per interval, whichever node runs it,
     * and a node whose peers stop still passes within about one interval.
     *
     * @return the events rolled up; 0 if the queue was empty, another node is rolling or passed recently
     */
    int rollScheduled(Connection connection, long everyMillis) throws SQLException {
        return roll(connection, false, everyMillis - everyMillis / 10, Long.MAX_VALUE);
    }

    private int roll(Connection connection, boolean wait, long skipWithinMillis, long lastId) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(wait ? WAIT_ROLL : TRY_ROLL);
             ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                return 0;
            }
        }
        if (skipWithinMillis > 0) {
            try (PreparedStatement ps = connection.prepareStatement(SINCE_LAST_PASS);
                 ResultSet rs = ps.executeQuery()) {
                // A time ahead of the database's (a restored backup) does not count: the pass runs.
                if (rs.next() && rs.getLong(1) >= 0 && rs.getLong(1) < skipWithinMillis) {
                    return 0;
                }
            }
        }
        try (PreparedStatement ps = connection.prepareStatement(LOCK_SHARED)) {
            ps.execute();
        }
        int fixed = fixedPassEvents;
        int limit = fixed > 0 ? fixed : adaptedPassEvents;
        long[] seqs = claim(connection, lastId, limit);
        if (seqs.length == 0) {
            return 0;
        }
        // Summed as they are read: the pass keeps its sums, not its events.
        RollupBatch.Builder rollups = RollupBatch.builder();
        EndUserRollups.Summing users = endUsers.summing(connection);
        LedgerReplay.forEachBySeq(connection, seqs, entry -> {
            rollups.add(entry);
            users.add(entry);
        });
        RollupIncrements increments = RollupIncrements.of(rollups.build());
        long largest = writer.addReturningLargest(connection, increments);
        users.write(connection);
        adaptedPassEvents = nextPassEvents(seqs.length,
                (long) increments.rows().size() + increments.latency().size() + users.rows());
        try (PreparedStatement ps = connection.prepareStatement(RAISE_BOUND)) {
            ps.setLong(1, largest);
            ps.executeUpdate();
        }
        if (seqs.length < limit && lastId == Long.MAX_VALUE) {
            // The queue is as short as a pass leaves it: the next scheduled pass of any node may wait. After a full
            // pass the next one runs at once. A bounded pass says nothing of the rows after its bound.
            try (PreparedStatement ps = connection.prepareStatement(MARK_PASS)) {
                ps.executeUpdate();
            }
        }
        return seqs.length;
    }

    /**
     * The events the next pass claims, about: as many as keep its rows within {@value #PASS_ROWS} at the rows per
     * event of a pass that rolled {@code events} into {@code rows}, between {@value #FEWEST_PASS_EVENTS} and
     * {@value #MOST_PASS_EVENTS}. Rows grow more slowly than events, so a small pass overstates what a larger one
     * touches per event: the next pass claims too few rather than too many, and measures again.
     */
    static int nextPassEvents(int events, long rows) {
        if (rows <= 0) {
            return MOST_PASS_EVENTS;
        }
        long fit = (long) PASS_ROWS * events / rows;
        return (int) Math.max(FEWEST_PASS_EVENTS, Math.min(MOST_PASS_EVENTS, fit));
    }

    /**
     * Waits for the roller's lock, held until the caller's transaction ends: while it is held no pass claims queue
     * rows, so the set of queued events stays as read (a re-rating moves the sums of the others only).
     */
    static void holdRoller(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(WAIT_ROLL); ResultSet rs = ps.executeQuery()) {
            rs.next();
        }
    }

    /** Raises the bound of every stored sum by {@code added} (a re-rating's positive changes), saturated. */
    static void raiseBound(Connection connection, long added) throws SQLException {
        if (added <= 0) {
            return;
        }
        try (PreparedStatement ps = connection.prepareStatement("UPDATE settings SET value = CAST(CAST(LEAST("
                + "CAST(value AS NUMERIC) + ?, " + Long.MAX_VALUE + ") AS BIGINT) AS TEXT) WHERE name = '"
                + SUM_BOUND + "'")) {
            ps.setLong(1, added);
            ps.executeUpdate();
        }
    }

    /**
     * Claims the oldest queue rows up to id {@code lastId}, about {@code events} events (deleted, if the pass
     * commits), and returns the seqs they name.
     */
    private static long[] claim(Connection connection, long lastId, int events) throws SQLException {
        long[] seqs = new long[1024];
        int count = 0;
        try (PreparedStatement ps = connection.prepareStatement(CLAIM)) {
            ps.setLong(1, lastId);
            ps.setLong(2, events);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    Array array = rs.getArray(1);
                    Object[] row = (Object[]) array.getArray();
                    if (count + row.length > seqs.length) {
                        seqs = Arrays.copyOf(seqs, Math.max(seqs.length * 2, count + row.length));
                    }
                    for (Object seq : row) {
                        seqs[count++] = ((Number) seq).longValue();
                    }
                    array.free();
                }
            }
        }
        return Arrays.copyOf(seqs, count);
    }

    /**
     * The stored rows plus the queued events' increments of one grain with buckets in [from, to), shaped by
     * {@code shape} like the stored rows, summed by key in the database's order. Run both reads in one snapshot.
     *
     * @param customerId the one customer read, or null for all
     */
    static List<RollupRow> rows(Connection connection, List<RollupRow> stored, Window grain, String customerId,
                                Instant from, Instant to, UnaryOperator<RollupKey> shape) throws SQLException {
        List<LedgerEntry> queued = LedgerReplay.pending(connection, customerId);
        if (queued.isEmpty()) {
            return stored;
        }
        List<Map.Entry<RollupKey, RollupCounts>> picked = new ArrayList<>();
        PendingRollups.pick(RollupBatch.of(queued, List.of(grain), false).counts(), grain, customerId, from, to,
                shape, picked);
        return picked.isEmpty() ? stored : DeferredRollups.merge(stored, picked);
    }

    /** A customer's stored latency histogram plus the queued events' cells of the days starting in [from, to). */
    static SortedMap<Integer, Long> latency(Connection connection, SortedMap<Integer, Long> stored, String customerId,
                                            Instant from, Instant to) throws SQLException {
        List<LedgerEntry> queued = LedgerReplay.pending(connection, customerId);
        SortedMap<Integer, Long> histogram = new TreeMap<>(stored);
        RollupBatch.of(queued, List.of(), true).latency().forEach((key, calls) -> {
            if (PendingRollups.within(key.dayStart(), from, to)) {
                histogram.merge(key.bucket(), calls, Long::sum);
            }
        });
        return histogram;
    }

    /** How long the oldest queued append has waited for the roller, in milliseconds; 0 if none waits. */
    long lagMillis(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(OLDEST); ResultSet rs = ps.executeQuery()) {
            rs.next();
            long oldest = rs.getLong(1);
            return rs.wasNull() ? 0 : Math.max(0, clock.millis() - oldest);
        }
    }

    /** The lowest seq of a queued event, or {@link Long#MAX_VALUE} if none is queued: retention keeps it. */
    static long lowestQueuedSeq(Connection connection) throws SQLException {
        try (PreparedStatement ps = connection.prepareStatement(LOWEST_SEQ); ResultSet rs = ps.executeQuery()) {
            rs.next();
            long lowest = rs.getLong(1);
            return rs.wasNull() ? Long.MAX_VALUE : lowest;
        }
    }

    /** a + b for non-negative values, or Long.MAX_VALUE if that exceeds a long. */
    private static long saturatedSum(long a, long b) {
        return b > Long.MAX_VALUE - a ? Long.MAX_VALUE : a + b;
    }
}
