package dev.tally.core.rerate;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.pricing.EventPricer.PricedCost;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The port to the ledger's repricing and to the stored re-rating records. */
public interface RerateStore {
    /** Events the store reads, reprices and (when applying) writes per page: bounds memory and transaction length. */
    int PAGE_EVENTS = 10_000;

    /**
     * Walks a customer's events with timestamps in {@code [from, to)} page by page, in (timestamp, seq) order, and
     * prices each again with {@code repricer}. When {@code apply}, each page's changed events
     * ({@link Rerater#changed}) are written in one transaction with their rollups (every grain), end user and
     * dimension sums moved by the difference, so that the sums always equal their events. {@code sink} sees each page
     * once it is read (dry run) or committed (apply), never twice.
     *
     * @return the events walked
     */
    long reprice(String customerId, Instant from, Instant to, Function<LedgerEntry, PricedCost> repricer,
                 boolean apply, PageSink sink);

    /** Stores a re-rating record (its id is new). */
    void addRerating(Rerating rerating);

    /** Stored re-ratings, newest first, at most {@code limit}; of one customer (or of all customers) if given. */
    List<Rerating> reratings(String customerId, int limit);

    /** One stored re-rating. */
    Optional<Rerating> rerating(String id);

    /** Receives the events of a page with their new prices, in the same order. */
    @FunctionalInterface
    interface PageSink {
        void page(List<LedgerEntry> entries, List<PricedCost> repriced);
    }
}
