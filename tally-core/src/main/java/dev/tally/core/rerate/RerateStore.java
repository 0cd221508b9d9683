package dev.tally.core.rerate;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.pricing.EventPricer.PricedCost;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The port to the ledger's repricing and to the stored re-rating records.
 *
 * <p>An applied re-rating is staged, then switched: {@link #beginRerating} stores its record as
 * {@link Rerating.State#STAGING}; {@link #reprice} with its id writes each page's new prices, and the sums they move,
 * into staging that no reader sees (short transactions: ingestion goes on); {@link #switchStaged} then changes the
 * events, the rollups of every grain, the end user and dimension sums and the record in one transaction, and
 * {@link #mergeStaged} writes the new costs into the events' rows afterwards. A failure or a crash before the switch
 * leaves nothing applied: {@link #abandonRerating}, or the store on its next start, drops the
 * staging and marks the record {@link Rerating.State#ABANDONED}.
 */
public interface RerateStore {
    /** Events the store reads, reprices and (when applying) stages per page: bounds memory and transaction length. */
    int PAGE_EVENTS = 10_000;

    /**
     * Walks a customer's events with timestamps in {@code [from, to)} page by page, in (timestamp, seq) order, and
     * prices each again with {@code repricer}. With a {@code stagingId} (of a re-rating begun with
     * {@link #beginRerating}), each page's changed events ({@link Rerater#changed}) and the differences they make to
     * every sum are staged in one short transaction; nothing visible changes. {@code sink} sees each page once it is
     * read (dry run) or staged, never twice.
     *
     * @param stagingId the re-rating to stage the changes under, or null for a dry run
     * @return the events walked
     * @throws dev.tally.core.problem.ConflictException if another re-rating is staging changes of the same events
     */
    long reprice(String customerId, Instant from, Instant to, Function<LedgerEntry, PricedCost> repricer,
                 String stagingId, PageSink sink);

    /** Stores {@code head} (no lines yet) as {@link Rerating.State#STAGING}: the record of an apply under way. */
    void beginRerating(Rerating head);

    /**
     * Switches everything staged under {@code rerating}'s id in, in one transaction: the sums move, and its record
     * is stored as applied with its lines. From its commit every reader sees the new costs.
     *
     * @throws dev.tally.core.problem.ConflictException if the staging is no longer valid (abandoned meanwhile, or an
     *                                                  event changed since it was staged): nothing changed
     */
    void switchStaged(Rerating rerating);

    /**
     * Writes an applied re-rating's new costs into its events' rows and drops its staging, in short transactions;
     * readers see the same before, during and after. Does not fail: what a failure leaves is merged when the store
     * opens again or the next re-rating begins.
     */
    void mergeStaged(String id);

    /** {@link #switchStaged}, then {@link #mergeStaged}. */
    default void applyStaged(Rerating rerating) {
        switchStaged(rerating);
        mergeStaged(rerating.id());
    }

    /**
     * Drops what is staged under {@code id} and marks its record {@link Rerating.State#ABANDONED}, unless it was
     * switched in meanwhile: an applied re-rating's staging is merged instead (dropping it would take its new costs
     * from the events that the sums already hold them for).
     */
    void abandonRerating(String id);

    /**
     * Marks an applied re-rating's moves of the enforcement counters done: they follow {@link #switchStaged}, outside
     * its transaction. Does not fail: a mark not set costs one rebuild of shared counters at the next node's start.
     */
    void markCountersMoved(String id);

    /**
     * The applied re-ratings whose counter moves were never marked done ({@link #markCountersMoved}): a node stopped
     * between the switch and the moves, so counters that outlive a node (Redis) miss their changes.
     */
    List<String> countersNotMoved();

    /**
     * Stored re-ratings, newest first (then by id, descending), at most {@code limit}, those after {@code after} if
     * given; of one customer (its own, and those of every customer that changed its events) if given.
     */
    List<Rerating> reratings(String customerId, RerateCursor after, int limit);

    /**
     * Every applied re-rating of {@code period} that changed events of {@code customerId} (its own, and those of every
     * customer that walked its events), newest first: however many there are.
     */
    List<Rerating> applied(String customerId, java.time.YearMonth period);

    /** One stored re-rating. */
    Optional<Rerating> rerating(String id);

    /** Receives the events of a page with their new prices, in the same order. */
    @FunctionalInterface
    interface PageSink {
        void page(List<LedgerEntry> entries, List<PricedCost> repriced);
    }
}
