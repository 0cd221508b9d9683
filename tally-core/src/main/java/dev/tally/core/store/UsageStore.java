package dev.tally.core.store;

import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupRow;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

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
     */
    boolean[] append(List<LedgerEntry> entries);

    /**
     * Rollup rows of one grain with {@code from <= bucket_start < to}.
     *
     * @param customerId whose rows, or null for every customer
     */
    List<RollupRow> rollups(String customerId, Window grain, Instant from, Instant to);

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
     * and monthly summaries are left intact.
     *
     * @return how many events were removed
     */
    long deleteEventsReceivedBefore(Instant cutoff);

    /** Removes rollups of {@code grain} whose bucket starts before {@code cutoff}; returns how many. */
    long deleteRollupsBefore(Window grain, Instant cutoff);
}
