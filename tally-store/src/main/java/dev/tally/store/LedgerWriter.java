package dev.tally.store;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupBatch;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
    /** Where minute rollups go when they are not written in the batch's transaction; null when they are. */
    private final DeferredMinuteRollups deferredMinutes;

    LedgerWriter(EventInserter events, RollupWriter rollups, DeferredMinuteRollups deferredMinutes) {
        this.events = events;
        this.rollups = rollups;
        this.deferredMinutes = deferredMinutes;
    }

    /**
     * A batch ready to be written: the insert order, the encoded usage, and the rollups of all its entries. Made
     * before the write transaction starts ({@code UsageStore.prepareAppend}; the group-commit writer does it on its
     * own thread while the previous batch commits), so that this CPU work does not lengthen the transaction.
     *
     * @param all     the rollups written in the batch's transaction
     * @param minutes the minute rollups written later ({@link DeferredMinuteRollups}); empty when they are in
     *                {@code all}
     */
    record Batch(List<LedgerEntry> entries, int[] order, String[] usageJson, RollupIncrements all,
                 Map<RollupKey, RollupCounts> minutes) {
        static Batch of(List<LedgerEntry> entries, boolean deferMinutes) {
            String[] usage = new String[entries.size()];
            for (int i = 0; i < usage.length; i++) {
                usage[i] = UsageCodec.encode(entries.get(i).event().usageMicros());
            }
            Rollups rollups = Rollups.of(entries, deferMinutes);
            return new Batch(entries, byEventId(entries), usage, rollups.acked(), rollups.minutes());
        }
    }

    /** The rollups of some entries: those written with them, and the minute rows written later (or none). */
    private record Rollups(RollupIncrements acked, Map<RollupKey, RollupCounts> minutes) {
        static Rollups of(List<LedgerEntry> entries, boolean deferMinutes) {
            if (!deferMinutes) {
                return new Rollups(RollupIncrements.of(RollupBatch.of(entries)), Map.of());
            }
            RollupBatch acked = RollupBatch.of(entries, DeferredMinuteRollups.ACKED_GRAINS, true);
            RollupBatch minutes = RollupBatch.of(entries, List.of(Window.MINUTE), false);
            return new Rollups(RollupIncrements.of(acked.counts(), acked.latency(),
                    DeferredMinuteRollups.ACKED_GRAINS.size()), minutes.counts());
        }
    }

    /**
     * The unit of work that writes a batch and its rollups, returning for each entry in order whether it was new;
     * it tells the deferred minute rollups whether its transaction committed.
     */
    Transactor.Work<boolean[]> append(Batch batch) {
        Transactor.Work<boolean[]> write = connection -> append(connection, batch);
        return deferredMinutes == null ? write : deferredMinutes.bracket(write);
    }

    private boolean[] append(Connection connection, Batch batch) throws SQLException {
        boolean[] stored = events.insert(connection, batch);
        List<LedgerEntry> fresh = new ArrayList<>(stored.length);
        for (int i = 0; i < stored.length; i++) {
            if (stored[i]) {
                fresh.add(batch.entries().get(i));
            }
        }
        Map<RollupKey, RollupCounts> minutes = Map.of();
        if (fresh.size() == stored.length) {
            rollups.add(connection, batch.all());
            minutes = batch.minutes();
        } else if (!fresh.isEmpty()) {
            // Some were duplicates (rare: a client retrying): only the new events may count.
            Rollups ofFresh = Rollups.of(fresh, deferredMinutes != null);
            rollups.add(connection, ofFresh.acked());
            minutes = ofFresh.minutes();
        }
        if (deferredMinutes != null) {
            deferredMinutes.stage(connection, minutes);
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
