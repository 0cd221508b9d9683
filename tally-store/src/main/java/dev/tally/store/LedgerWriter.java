package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.rollup.RollupBatch;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Appends a batch of ledger entries inside the caller's transaction: the events first ({@link EventInserter}), then
 * the rollups of exactly those events that were new.
 *
 * <p>Duplicates are found by the database, not by a read before the write: {@code ON CONFLICT (event_id) DO NOTHING}
 * reports 0 rows for an id already stored, whether it came earlier in the same batch, in an earlier batch, or from
 * another server whose transaction committed first (PostgreSQL makes the second insert wait for the first's outcome).
 * Entries are inserted in event-id order so that two servers inserting overlapping batches take the unique-index
 * locks in the same order and cannot deadlock; the rollup upserts are ordered by key for the same reason.
 */
final class LedgerWriter {
    private final EventInserter events;
    private final RollupWriter rollups;

    LedgerWriter(EventInserter events, RollupWriter rollups) {
        this.events = events;
        this.rollups = rollups;
    }

    /**
     * A batch ready to be written: the insert order, the encoded usage, and the rollups of all its entries. Made
     * before the write transaction starts ({@code UsageStore.prepareAppend}; the group-commit writer does it on its
     * own thread while the previous batch commits), so that this CPU work does not lengthen the transaction.
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
        boolean[] stored = events.insert(connection, batch);
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

    /** Indexes of the entries sorted by event id; the sort is stable, so the first of two equal ids wins. */
    private static int[] byEventId(List<LedgerEntry> entries) {
        return IntStream.range(0, entries.size()).boxed()
                .sorted(Comparator.comparing(i -> entries.get(i).event().id()))
                .mapToInt(Integer::intValue).toArray();
    }
}
