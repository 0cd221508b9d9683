package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.store.SumBoundException;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Appends a batch of ledger entries inside the caller's transaction: the events first ({@link EventInserter}), then
 * the rollups of exactly those events that were new: on SQLite handed to {@link DeferredRollups} to be written a
 * little later, on PostgreSQL queued by seq for a roller ({@link QueuedRollups}).
 *
 * <p>Duplicates are found by the database, not by a read before the write: {@code ON CONFLICT (event_id, ce_source) DO
 * NOTHING} reports 0 rows for a key (id and CloudEvents source) already stored, whether it came earlier in the same batch, in an earlier batch, or from
 * another server whose transaction committed first (PostgreSQL makes the second insert wait for the first's outcome).
 * Entries are inserted in event-id order so that two servers inserting overlapping batches take the unique-index
 * locks in the same order and cannot deadlock; the rollup upserts are ordered by key for the same reason.
 */
final class LedgerWriter {
    /** SQLSTATE of a value out of range, such as a bigint sum beyond 2^63 - 1 (PostgreSQL). */
    private static final String NUMERIC_OUT_OF_RANGE = "22003";

    private final EventInserter events;
    private final RollupWriter rollups;
    /** Where rollups go on SQLite (in memory, written a little later); null elsewhere. */
    private final DeferredRollups deferred;
    /** Where rollups go on PostgreSQL (a queue in the database, rolled up by any node); null elsewhere. */
    private final QueuedRollups queued;

    private final EndUserRollups endUsers;

    /** A writer of the rollups through at most one of {@code deferred} and {@code queued}, or in the transaction. */
    LedgerWriter(EventInserter events, RollupWriter rollups, DeferredRollups deferred, QueuedRollups queued,
                 EndUserRollups endUsers) {
        this.events = events;
        this.rollups = rollups;
        this.deferred = deferred;
        this.queued = queued;
        this.endUsers = endUsers;
    }

    /**
     * A batch ready to be written: the insert order, the encoded usage, and the rollups of all its entries. Made
     * before the write transaction starts ({@code UsageStore.prepareAppend}; the group-commit writer does it on its
     * own thread while the previous batch commits), so that this CPU work does not lengthen the transaction.
     *
     * @param dimensionsJson each entry's {@code dimensions} column ({@link DimensionsCodec}), encoded here rather than
     *                       by the writer
     * @param rollups the rollups of all entries: written in the batch's transaction, or handed to
     *                {@link DeferredRollups}
     * @param endUsers the end user and dimension sums of all entries, names decided (SQLite, where they are staged
     *                 with the deferred rollups), or null to sum them in the transaction
     */
    record Batch(List<LedgerEntry> entries, int[] order, String[] usageJson, String[] dimensionsJson,
                 Rollups rollups, EndUserRollups.Sums endUsers) {
        static Batch of(List<LedgerEntry> entries, boolean deferRollups, EndUserRollups.Sums endUsers) {
            String[] usage = new String[entries.size()];
            String[] dimensions = new String[entries.size()];
            for (int i = 0; i < usage.length; i++) {
                usage[i] = UsageCodec.encode(entries.get(i).event().usageMicros());
                dimensions[i] = DimensionsCodec.encode(entries.get(i).event().dimensions());
            }
            return new Batch(entries, byEventId(entries), usage, dimensions, Rollups.of(entries, deferRollups),
                    endUsers);
        }
    }

    /**
     * The rollups of some entries, in the form their writer takes: sorted increments to write now, or the sums
     * {@link DeferredRollups} keeps (exactly one of the two is non-null).
     *
     * @param largest the largest sum in {@code later}'s rows (0 without them), for its overflow check
     */
    record Rollups(RollupIncrements now, RollupBatch later, long largest) {
        static Rollups of(List<LedgerEntry> entries, boolean defer) {
            RollupBatch batch = RollupBatch.of(entries);
            if (!defer) {
                return new Rollups(RollupIncrements.of(batch), null, 0);
            }
            long largest = 0;
            for (RollupCounts counts : batch.counts().values()) {
                largest = Math.max(largest, counts.largestSum());
            }
            return new Rollups(null, batch, largest);
        }
    }

    /**
     * The unit of work that writes a batch and its rollups, returning for each entry in order whether it was new;
     * it tells the deferred rollups whether its transaction committed.
     */
    Transactor.Work<boolean[]> append(Batch batch) {
        Transactor.Work<boolean[]> write = connection -> append(connection, batch);
        return deferred == null ? write : deferred.bracket(write);
    }

    private boolean[] append(Connection connection, Batch batch) throws SQLException {
        if (queued != null && !queued.needsExclusive(batch.rollups().largest())
                && events instanceof ArrayEventInserter) {
            // PostgreSQL's common case: lock, events and queue rows in one round trip.
            return queued.appendShared(connection, batch).stored();
        }
        boolean exclusive = queued != null && queued.lock(connection, batch.rollups().largest());
        EventInserter.Inserted inserted = events.insert(connection, batch);
        boolean[] stored = inserted.stored();
        List<LedgerEntry> fresh = new ArrayList<>(stored.length);
        for (int i = 0; i < stored.length; i++) {
            if (stored[i]) {
                fresh.add(batch.entries().get(i));
            }
        }
        // Usually all are new; some are duplicates when a client retries, and only the new events may count.
        Rollups ofFresh = fresh.size() == stored.length ? batch.rollups()
                : Rollups.of(fresh, deferred != null || queued != null);
        // Before the deferred rollups: when this transaction writes what is pending on SQLite, the end user sums it
        // staged go with it. PostgreSQL's roller adds them from the queued events (a row per user and month, written
        // per row, cost this transaction more than its events).
        if (queued == null) {
            if (batch.endUsers() != null && fresh.size() == stored.length) {
                endUsers.add(connection, batch.endUsers()); // summed while the batch was prepared
            } else {
                endUsers.add(connection, fresh);
            }
        }
        if (deferred != null) {
            deferred.stage(connection, ofFresh.later(), ofFresh.largest());
        } else if (queued != null) {
            queued.enqueue(connection, batch.entries(), inserted.seqs(), ofFresh.later(), exclusive);
        } else if (!fresh.isEmpty()) {
            addRollups(connection, ofFresh.now());
        }
        return stored;
    }

    /** Writes rollup increments now; a sum beyond a bigint is the events' fault, not the store's. */
    private void addRollups(Connection connection, RollupIncrements increments) throws SQLException {
        try {
            rollups.add(connection, increments);
        } catch (SQLException e) {
            if (NUMERIC_OUT_OF_RANGE.equals(e.getSQLState())) {
                throw new SumBoundException("a rollup sum would exceed the largest a rollup holds ("
                        + Long.MAX_VALUE + "): " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * Indexes of the entries sorted by key (event id, then source); the sort is stable, so the first of two equal
     * keys wins.
     */
    private static int[] byEventId(List<LedgerEntry> entries) {
        Comparator<Integer> byId = Comparator.comparing(i -> entries.get(i).event().id());
        return IntStream.range(0, entries.size()).boxed()
                .sorted(byId.thenComparing(i -> entries.get(i).event().source()))
                .mapToInt(Integer::intValue).toArray();
    }
}
