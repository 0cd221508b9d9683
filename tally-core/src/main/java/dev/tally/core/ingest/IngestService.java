package dev.tally.core.ingest;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.event.Buckets;
import dev.tally.core.event.BucketsCache;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pricing.EventPricer;
import dev.tally.core.problem.Problems;
import dev.tally.core.problem.UnavailableException;
import dev.tally.core.problem.ValidationException;

import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * Records usage events: checks what needs state (the customer exists, the timestamp is in the accepted window, the
 * reservation it settles was issued for it), prices each event once with the catalog in effect at its timestamp,
 * fixes its rollup buckets in the customer's zone, and hands the batch to the {@link EventWriter}, answering once it
 * is durably committed: {@link #ingest} waits for that, {@link #ingestAsync} returns a future at once. Each newly
 * stored event then counts toward the customer's limits in the {@link Enforcer}.
 */
public final class IngestService {
    private final Catalog catalog;
    private final EventWriter writer;
    private final InstantSource clock;
    private final IngestPolicy policy;
    private final Enforcer enforcer;
    private final IngestMetrics metrics;
    private final BucketsCache bucketsCache = new BucketsCache();

    /**
     * @param enforcer checks the reservations events settle, and counts stored events toward limits
     */
    public IngestService(Catalog catalog, EventWriter writer, InstantSource clock, IngestPolicy policy,
                         Enforcer enforcer) {
        this(catalog, writer, clock, policy, enforcer, IngestMetrics.NONE);
    }

    /**
     * @param enforcer checks the reservations events settle, and counts stored events toward limits
     * @param metrics  told what became of every request's events
     */
    public IngestService(Catalog catalog, EventWriter writer, InstantSource clock, IngestPolicy policy,
                         Enforcer enforcer, IngestMetrics metrics) {
        this.metrics = metrics;
        this.catalog = catalog;
        this.writer = writer;
        this.clock = clock;
        this.policy = policy;
        this.enforcer = enforcer;
    }

    /**
     * Records the valid candidates and reports on all of them, returning once they are committed (the calling thread
     * waits for the group commit).
     *
     * @throws ValidationException if no candidate is valid (then nothing is stored)
     * @throws UnavailableException if the store could not commit them (then none is acknowledged)
     */
    public IngestResult ingest(List<EventCandidate> candidates) {
        Admitted admitted = admit(candidates);
        return admitted.result(await(writer.submitWithRefusals(admitted.entries, null)));
    }

    /**
     * Records the valid candidates without waiting for the commit: the answer is a future that the commit completes.
     *
     * <p>Everything that follows the commit (counting the stored events toward limits, and whatever the caller
     * chains on the returned future, such as writing an HTTP answer) runs on {@code completion}, never on the
     * writer's committing thread, on success and on failure alike, so that it never delays the next commit. Dependent
     * stages that the caller adds without an executor run on that same {@code completion} thread. The writer hands
     * the answers of one commit to {@code completion} in a few tasks, not one per request
     * ({@link EventWriter#submit(List, Executor)}).
     *
     * @param completion runs the continuation once the commit is done; it should not reject tasks while the writer
     *                   still commits (if it does, the continuation runs on the committing thread instead)
     * @return completes with the report once the accepted events are committed, or exceptionally with
     *         {@link UnavailableException} if the store could not commit them (then none is acknowledged)
     * @throws ValidationException at once if no candidate is valid (then nothing is stored)
     * @throws UnavailableException at once if the writer is closing or its queue is full
     */
    public CompletableFuture<IngestResult> ingestAsync(List<EventCandidate> candidates, Executor completion) {
        Admitted admitted = admit(candidates);
        // The writer completes the commit's future on `completion` (falling back to its own thread if that rejects),
        // in a few tasks per commit rather than one per request; so this stage, and whatever the caller chains
        // without an executor, runs there, on success and on failure alike.
        return writer.submitWithRefusals(admitted.entries, completion).handle((committed, failure) -> {
            if (failure != null) {
                throw unavailable(failure);
            }
            return admitted.result(committed);
        });
    }

    /** The candidates checked and prepared: what goes to the writer, and what was rejected on the way. */
    private Admitted admit(List<EventCandidate> candidates) {
        Instant now = clock.instant();
        List<LedgerEntry> entries = new ArrayList<>(candidates.size());
        List<EventCandidate> sources = new ArrayList<>(candidates.size());
        List<IngestResult.Rejection> rejected = new ArrayList<>();
        // One collector while events are valid (nearly always), a new one after each rejection.
        Problems problems = new Problems();
        for (EventCandidate candidate : candidates) {
            if (candidate.event() == null) {
                rejected.add(new IngestResult.Rejection(candidate.index(), candidate.id(), candidate.errors()));
                continue;
            }
            LedgerEntry entry = prepare(candidate.event(), now, problems);
            if (entry == null) {
                rejected.add(new IngestResult.Rejection(candidate.index(), candidate.id(), problems.list()));
                problems = new Problems();
            } else {
                entries.add(entry);
                sources.add(candidate);
            }
        }
        if (!rejected.isEmpty()) {
            metrics.rejected(rejected.size());
        }
        if (entries.isEmpty()) {
            throw noValidEvent(rejected, candidates.size());
        }
        return new Admitted(entries, sources, List.copyOf(rejected), candidates.size());
    }

    private static ValidationException noValidEvent(List<IngestResult.Rejection> rejected, int candidates) {
        Problems all = new Problems();
        for (IngestResult.Rejection r : rejected) {
            all.addAll(candidates == 1 ? "" : "[" + r.index() + "].", r.errors());
        }
        return new ValidationException("No valid event in the request; nothing was stored", all.list());
    }

    /** Entries handed to the writer and the rejections of one request. */
    private final class Admitted {
        private final List<LedgerEntry> entries;
        /** The candidate of each entry. */
        private final List<EventCandidate> sources;
        private final List<IngestResult.Rejection> rejected;
        private final int candidates;

        private Admitted(List<LedgerEntry> entries, List<EventCandidate> sources,
                         List<IngestResult.Rejection> rejected, int candidates) {
            this.entries = entries;
            this.sources = sources;
            this.rejected = rejected;
            this.candidates = candidates;
        }

        /**
         * Counts the newly stored entries toward limits, and reports; entries the writer refused (a sum beyond what
         * Tally holds) are rejected like invalid ones, and if nothing was stored or found a duplicate, the request is
         * a 400 as if no event had been valid.
         */
        private IngestResult result(EventWriter.Committed committed) {
            boolean[] stored = committed.stored();
            int accepted = 0;
            for (int i = 0; i < stored.length; i++) {
                if (stored[i]) {
                    accepted++;
                    enforcer.record(entries.get(i));
                }
            }
            List<IngestResult.Rejection> all = new ArrayList<>(rejected);
            if (!committed.refused().isEmpty()) {
                committed.refused().forEach((i, why) -> rejected(all, sources.get(i), why));
                all.sort(java.util.Comparator.comparingInt(IngestResult.Rejection::index));
                metrics.rejected(committed.refused().size());
            }
            int duplicates = stored.length - accepted - committed.refused().size();
            if (accepted == 0 && duplicates == 0) {
                throw noValidEvent(all, candidates);
            }
            metrics.committed(accepted, duplicates);
            return new IngestResult(accepted, duplicates, all);
        }

        private static void rejected(List<IngestResult.Rejection> into, EventCandidate candidate, String why) {
            into.add(new IngestResult.Rejection(candidate.index(), candidate.id(), new Problems().add("usage",
                    "adding this event would take a sum of the customer's usage or cost past the largest Tally holds "
                    + "exactly (about 9.2 * 10^12 units of a metric, or 9.2 * 10^9 USD, in one period and series), so "
                    + "it can never be stored and was not: " + why)
                    .list()));
        }
    }

    private LedgerEntry prepare(UsageEvent event, Instant now, Problems problems) {
        Customer customer = catalog.customer(event.customerId()).orElse(null);
        if (customer == null) {
            problems.add("customer", "must name an existing customer, '" + event.customerId() + "' does not exist");
        }
        if (event.timestamp().isBefore(now.minus(policy.maxAge()))) {
            problems.add("timestamp", "must be at most " + policy.maxAge().toDays() + " days old, was "
                    + event.timestamp());
        } else if (event.timestamp().isAfter(now.plus(policy.maxFuture()))) {
            problems.add("timestamp", "must be at most " + policy.maxFuture().toMinutes()
                    + " minutes in the future, was " + event.timestamp() + " (server time " + now + ")");
        }
        enforcer.checkSettlement(event, problems);
        if (!problems.isEmpty()) {
            return null;
        }
        Buckets buckets = bucketsCache.of(customer.id(), customer.zone(), customer.billingDay(), event.timestamp());
        if (event.costOverride() != null) {
            return new LedgerEntry(event, event.costOverride(), List.of(), now, buckets);
        }
        EventPricer.PricedCost priced = priceWithinBound(event, problems);
        return priced == null ? null : new LedgerEntry(event, priced.cost(), priced.unpricedMetrics(), now, buckets);
    }

    /**
     * The event priced at its timestamp, or null with a problem when that costs more than one event may
     * ({@link Bounds#MAX_EVENT_COST_USD}): a bounded quantity at a bounded price can still cost more, and such an
     * event is refused alone instead of failing its batch, or any read that sums it.
     */
    private EventPricer.PricedCost priceWithinBound(UsageEvent event, Problems problems) {
        EventPricer.PricedCost priced;
        try {
            // The event's own map, not its read-only view: the pricer only reads it, and a view an event was garbage.
            priced = EventPricer.price(catalog.prices(), event.provider(), event.model(), event.timestamp(),
                    event.usageMicros());
        } catch (ArithmeticException e) {
            priced = null; // beyond a long of nano-dollars
        }
        if (priced == null || priced.cost().nanos() > Bounds.MAX_EVENT_COST_NANOS) {
            problems.add("usage", "priced at the prices in effect at " + event.timestamp() + ", must cost at most "
                    + Bounds.MAX_EVENT_COST_USD.toPlainString() + " USD for one event, was "
                    + (priced == null ? "more than Tally can count" : priced.cost().toPlainString() + " USD"));
            return null;
        }
        return priced;
    }

    private static EventWriter.Committed await(CompletableFuture<EventWriter.Committed> commit) {
        try {
            return commit.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the commit", e);
        } catch (ExecutionException e) {
            throw unavailable(e.getCause());
        }
    }

    /** The failure of a commit as the error callers see: itself if it already says unavailable, else wrapped. */
    private static UnavailableException unavailable(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        if (cause instanceof UnavailableException u) {
            return u;
        }
        return new UnavailableException("the store could not record the events", cause);
    }
}
