package dev.tally.core.store;

import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The port to the usage ledger: raw events and their rollups.
 *
 * <p>Contract every adapter keeps (and {@code UsageStoreContract} tests):
 * <ul>
 *   <li>{@link #append} is atomic and durable: when it returns, the new events and all their rollup increments are
 *       committed together; when it throws, none of them is.</li>
 *   <li>An event id is stored at most once, ever (until its raw event is removed by retention): a second append of the
 *       same id, in the same batch, a later batch, or from another node, is reported as a duplicate and changes no
 *       rollup.</li>
 *   <li>Rollups are never computed by scanning raw events: reads of sums use only rollup rows.</li>
 * </ul>
 */
public interface UsageStore {
    /**
     * Writes a batch of events and their rollups in one transaction.
     *
     * @return for each entry, in order, true if it was stored, false if its id was already stored
     * @throws SumBoundException if a sum the new events add to would exceed a long; then nothing is written
     */
    boolean[] append(List<LedgerEntry> entries);

    /**
     * Does the part of an {@link #append} that needs no database (encoding, ordering, aggregating the rollups) now,
     * so that a caller with one writer can prepare the next batch while the previous one commits. The returned
     * append writes exactly what {@link #append} would have written, and with the same guarantees.
     *
     * <p>The default prepares nothing ahead.
     */
    default PreparedAppend prepareAppend(List<LedgerEntry> entries) {
        List<LedgerEntry> copy = List.copyOf(entries);
        return () -> append(copy);
    }

    /** An append whose preparation is done; only its transaction is left. */
    @FunctionalInterface
    interface PreparedAppend {
        /**
         * Writes the events and their rollups in one transaction, like {@link UsageStore#append}.
         *
         * @return for each entry, in order, true if it was stored, false if its id was already stored
         */
        boolean[] write();
    }

    /** Per customer and billing month, the most end users summed individually; the rest go under "(other)". */
    int MAX_USERS = 100_000;
    /** Per customer, billing month and dimension key, the most values summed individually. */
    int MAX_DIMENSION_VALUES = 1_000;

    /**
     * A customer's sums by end user and by dimension value in the billing month that starts at {@code monthStart}
     * (the month bucket of its events). Written with the events, in the same transaction.
     */
    dev.tally.core.rollup.EndUserUsage endUserUsage(String customerId, Instant monthStart);

    /**
     * A customer's sums by end user and by dimension value over the days (in the customer's zone) that start in
     * {@code [from, to)}: the day sums written with the month's, under the same names (a user summed under "(other)"
     * in its month is there in each of its days too).
     */
    dev.tally.core.rollup.EndUserUsage endUserUsageOfDays(String customerId, Instant from, Instant to);

    /**
     * One end user's sums in the billing month that starts at {@code monthStart}; zeros when the user has none (or
     * was summed under "(other)").
     */
    dev.tally.core.rollup.EndUserTotals endUserTotals(String customerId, Instant monthStart, String user);

    /**
     * Rollup rows of one grain with {@code from <= bucket_start < to}.
     *
     * @param customerId whose rows, or null for every customer
     */
    List<RollupRow> rollups(String customerId, Window grain, Instant from, Instant to);

    /**
     * A customer's rollup rows of one grain with {@code from <= bucket_start < to}, summed per bucket start: one row
     * per bucket, ordered by it, whose key has "" for provider, model and endpoint. What a daily series needs, without
     * reading every provider, model and endpoint row of every day. The default sums {@link #rollups} in memory;
     * adapters sum in the database.
     */
    default List<RollupRow> rollupTotalsByBucket(String customerId, Window grain, Instant from, Instant to) {
        Map<Instant, RollupCounts> byStart = new TreeMap<>();
        for (RollupRow row : rollups(customerId, grain, from, to)) {
            byStart.computeIfAbsent(row.key().bucketStart(), k -> new RollupCounts()).add(row.counts());
        }
        List<RollupRow> totals = new ArrayList<>(byStart.size());
        byStart.forEach((start, counts) -> totals.add(
                new RollupRow(new RollupKey(customerId, grain, start, "", "", ""), counts)));
        return totals;
    }

    /**
     * Rollup rows of every customer of one grain with {@code from <= bucket_start < to}, summed over the dimensions
     * not in {@code keep} (whose key parts read as ""), in key order. Equal to
     * {@link RollupDimension#sum}{@code (rollups(null, grain, from, to), keep)}; stores override it to sum in the
     * database, so that a read of every customer moves a few rows per customer, not one per provider, model and
     * endpoint.
     */
    default List<RollupRow> rollupSums(Window grain, Instant from, Instant to, Set<RollupDimension> keep) {
        return RollupDimension.sum(rollups(null, grain, from, to), keep);
    }

    /**
     * A customer's latency histogram over the days starting in {@code [from, to)}, as counts by
     * {@link dev.tally.core.rollup.LatencyBuckets} index.
     */
    SortedMap<Integer, Long> latencyHistogram(String customerId, Instant from, Instant to);

    /** One page of a customer's itemized events. */
    EventPage events(EventQuery query);

    /** How many raw events are stored, for operations and tests. */
    long countEvents();

    /**
     * Removes raw events received before {@code cutoff}, in chunks so that writers are not blocked for long. Rollups
     * and monthly summaries are left intact. An event that a re-rating has staged stays until that re-rating is
     * applied and merged or abandoned (a later run removes it), so a re-rating never moves sums for an event gone.
     *
     * @return how many events were removed
     */
    long deleteEventsReceivedBefore(Instant cutoff);

    /** Removes rollups of {@code grain} whose bucket starts before {@code cutoff}; returns how many. */
    long deleteRollupsBefore(Window grain, Instant cutoff);
}
