package dev.tally.core.ingest;

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
import java.util.concurrent.ExecutionException;

/**
 * Records usage events: checks what needs state (the customer exists, the timestamp is in the accepted window, the
 * reservation it settles was issued for it), prices each event once with the catalog in effect at its timestamp,
 * fixes its rollup buckets in the customer's zone, and hands the batch to the {@link EventWriter}, returning once it
 * is durably committed. Each newly stored event then counts toward the customer's limits in the {@link Enforcer}.
 */
public final class IngestService {
    private final Catalog catalog;
    private final EventWriter writer;
    private final InstantSource clock;
    private final IngestPolicy policy;
    private final Enforcer enforcer;
    private final BucketsCache bucketsCache = new BucketsCache();

    /**
     * @param enforcer checks the reservations events settle, and counts stored events toward limits
     */
    public IngestService(Catalog catalog, EventWriter writer, InstantSource clock, IngestPolicy policy,
                         Enforcer enforcer) {
        this.catalog = catalog;
        this.writer = writer;
        this.clock = clock;
        this.policy = policy;
        this.enforcer = enforcer;
    }

    /**
     * Records the valid candidates and reports on all of them.
     *
     * @throws ValidationException if no candidate is valid (then nothing is stored)
     * @throws UnavailableException if the store could not commit them (then none is acknowledged)
     */
    public IngestResult ingest(List<EventCandidate> candidates) {
        Instant now = clock.instant();
        List<LedgerEntry> entries = new ArrayList<>(candidates.size());
        List<IngestResult.Rejection> rejected = new ArrayList<>();
        for (EventCandidate candidate : candidates) {
            if (candidate.event() == null) {
                rejected.add(new IngestResult.Rejection(candidate.index(), candidate.id(), candidate.errors()));
                continue;
            }
            Problems problems = new Problems();
            LedgerEntry entry = prepare(candidate.event(), now, problems);
            if (entry == null) {
                rejected.add(new IngestResult.Rejection(candidate.index(), candidate.id(), problems.list()));
            } else {
                entries.add(entry);
            }
        }
        if (entries.isEmpty()) {
            Problems all = new Problems();
            for (IngestResult.Rejection r : rejected) {
                all.addAll(candidates.size() == 1 ? "" : "[" + r.index() + "].", r.errors());
            }
            throw new ValidationException("No valid event in the request; nothing was stored", all.list());
        }
        boolean[] stored = await(entries);
        int accepted = 0;
        for (int i = 0; i < stored.length; i++) {
            if (stored[i]) {
                accepted++;
                enforcer.record(entries.get(i));
            }
        }
        return new IngestResult(accepted, stored.length - accepted, List.copyOf(rejected));
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
        EventPricer.PricedCost priced = EventPricer.price(catalog.prices(), event.provider(), event.model(),
                event.timestamp(), event.usage());
        return new LedgerEntry(event, priced.cost(), priced.unpricedMetrics(), now, buckets);
    }

    private boolean[] await(List<LedgerEntry> entries) {
        try {
            return writer.submit(entries).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while waiting for the commit", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnavailableException u) {
                throw u;
            }
            throw new UnavailableException("the store could not record the events", e.getCause());
        }
    }
}
