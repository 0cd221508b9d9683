package dev.tally.core.rerate;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.limit.Limit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.period.Period;
import dev.tally.core.period.Periods;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.EventPricer;
import dev.tally.core.pricing.EventPricer.PricedCost;
import dev.tally.core.pricing.PriceCatalog;
import dev.tally.core.problem.NotFoundException;
import dev.tally.core.problem.Problems;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * Re-rates a billing month: walks its stored events, prices each again with the catalog as it is now, answers the
 * diff, and when applying writes it and tells the listeners (counters, alerts) how the cost moved.
 *
 * <p>An applied run is staged, then switched in one transaction ({@link RerateStore}): a reader sees the month before
 * or after, never half of it, and a failure or crash before the switch leaves nothing applied and the record
 * {@link Rerating.State#ABANDONED}. Applied runs are serialized in this process: the diff of each is then exactly what
 * it changed. Two nodes re-rating the same events at once cannot both stage them: the second is refused
 * ({@link dev.tally.core.problem.ConflictException}) and changes nothing.
 */
public final class Rerater {
    /** Changed events named per line of a diff; the counts are always complete. */
    public static final int MAX_IDS = 100;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Catalog catalog;
    private final RerateStore store;
    private final UsageStore usage;
    private final InstantSource clock;
    private final List<BiConsumer<Rerating, CostChanges>> listeners = new CopyOnWriteArrayList<>();

    /** @param usage the ledger's own rollups (without adjustments), to count the events past retention */
    public Rerater(Catalog catalog, RerateStore store, UsageStore usage, InstantSource clock) {
        this.catalog = catalog;
        this.store = store;
        this.usage = usage;
        this.clock = clock;
    }

    /** Registers {@code listener} to run after each applied re-rating, with its cost changes, on the caller's thread. */
    public void onApplied(BiConsumer<Rerating, CostChanges> listener) {
        listeners.add(listener);
    }

    /**
     * Re-rates {@code period} of one customer (or, with {@code customerId} null, of every customer).
     *
     * @throws dev.tally.core.problem.ValidationException if the period is missing or has not begun
     * @throws NotFoundException                          if the customer is unknown
     */
    public Rerating run(YearMonth period, String customerId, boolean dryRun, String createdBy) {
        List<Customer> customers = customerId == null ? catalog.customers()
                : List.of(catalog.requireCustomer(customerId));
        Instant now = clock.instant();
        Problems problems = new Problems();
        if (period == null) {
            problems.add("period", "is required: the month as YYYY-MM");
        } else if (period.atDay(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant()
                .minus(java.time.Duration.ofDays(1)).isAfter(now)) {
            // Every zone's month has begun a day after UTC's at the latest.
            problems.add("period", "must be a month that has begun, was " + period);
        }
        problems.throwIfAny("The re-rating is not valid; nothing was changed");
        if (dryRun) {
            return walk(period, customerId, customers, null, createdBy, now).rerating();
        }
        synchronized (this) {
            Rerating head = new Rerating(newId(), period, customerId, Rerating.State.STAGING, createdBy, now,
                    List.of());
            store.beginRerating(head);
            Walked walked;
            try {
                walked = walk(period, customerId, customers, head.id(), createdBy, now);
                store.switchStaged(walked.rerating());
            } catch (RuntimeException e) {
                try {
                    store.abandonRerating(head.id());
                } catch (RuntimeException notAbandoned) {
                    // The store's next start abandons it instead; the first failure is the one to report.
                    e.addSuppressed(notAbandoned);
                }
                throw e;
            }
            // Counters and alerts follow the switch: from its commit every read shows the new costs, and the merge
            // of the events' rows changes no read (nor fails: what it leaves is merged at the store's next start).
            listeners.forEach(l -> l.accept(walked.rerating(), walked.changes()));
            // Only now: a node stopped before this leaves the mark unset, and the next to start rebuilds shared
            // counters from the store (a rebuild is idempotent; the moves are not).
            store.markCountersMoved(head.id());
            store.mergeStaged(head.id());
            return walked.rerating();
        }
    }

    /**
     * A page of stored re-ratings, newest first (of one customer if given): at most {@code limit}, those after
     * {@code after} if given.
     */
    public RerateListing list(String customerId, RerateCursor after, int limit) {
        if (customerId != null) {
            catalog.requireCustomer(customerId);
        }
        // One more than asked tells whether a next page exists without counting the rest.
        List<Rerating> found = store.reratings(customerId, after, limit + 1);
        if (found.size() <= limit) {
            return new RerateListing(found, null);
        }
        List<Rerating> page = found.subList(0, limit);
        return new RerateListing(page, RerateCursor.after(page.get(limit - 1)));
    }

    /** One stored re-rating. */
    public Rerating get(String id) {
        return store.rerating(id).orElseThrow(() -> new NotFoundException("re-rating", id));
    }

    /** The applied re-ratings of a customer's billing month, newest first: a report says its month was re-rated. */
    public List<Rerating> of(String customerId, YearMonth month) {
        return store.applied(customerId, month);
    }

    private record Walked(Rerating rerating, CostChanges changes) {
    }

    /** Walks every customer's month; with a {@code stagingId}, stages the changes under it (nothing is applied). */
    private Walked walk(YearMonth period, String customerId, List<Customer> customers, String stagingId,
                        String createdBy, Instant now) {
        PriceCatalog prices = catalog.prices(); // one catalog for every page: a dry run and its apply agree
        List<RerateLine> lines = new ArrayList<>();
        List<CostDelta> deltas = new ArrayList<>();
        List<EndUserCostDelta> endUsers = new ArrayList<>();
        for (Customer c : customers) {
            Period month = Periods.billingMonth(c.zone(), c.billingDay(), period);
            if (month.start().isAfter(now)) {
                continue;
            }
            Map<String, Long> summarized = summarized(c.id(), month);
            // Only an apply moves counters: a dry run keeps no end users' changes.
            Diff diff = new Diff(c, stagingId == null ? List.of() : endUserCostLimits(c), now);
            store.reprice(c.id(), month.start(), month.end(), e -> reprice(prices, e), stagingId, diff::page);
            lines.addAll(diff.lines(summarized));
            deltas.addAll(diff.deltas());
            endUsers.addAll(diff.endUserDeltas());
        }
        Rerating.State state = stagingId == null ? Rerating.State.DRY_RUN : Rerating.State.APPLIED;
        String id = stagingId == null ? newId() : stagingId;
        return new Walked(new Rerating(id, period, customerId, state, createdBy, now, lines),
                new CostChanges(deltas, endUsers));
    }

    /** The customer's cost limits on end users or dimensions: their counters follow the re-rating by user or value. */
    private List<Limit> endUserCostLimits(Customer c) {
        List<Limit> out = new ArrayList<>();
        for (Limit limit : catalog.limitsOf(c)) {
            if (Metrics.COST.equals(limit.metric()) && limit.isEndUserScoped()) {
                out.add(limit);
            }
        }
        return out;
    }

    /** Events the month summaries count, by provider and model ({@link Diff#key}), read before the walk. */
    private Map<String, Long> summarized(String customerId, Period month) {
        Map<String, Long> counted = new TreeMap<>();
        for (RollupRow row : usage.rollups(customerId, Window.MONTH, month.start(), month.end())) {
            counted.merge(Diff.key(row.key().provider(), row.key().model()), row.counts().requests(), Long::sum);
        }
        return counted;
    }

    /**
     * An event priced with {@code prices}: its own cost if its sender gave one, or if the new price would cost more
     * than one event may ({@link Bounds#MAX_EVENT_COST_NANOS}; it keeps what it had, rather than failing the month).
     */
    public static PricedCost reprice(PriceCatalog prices, LedgerEntry entry) {
        UsageEvent e = entry.event();
        PricedCost kept = new PricedCost(entry.cost(), entry.unpricedMetrics());
        if (e.costOverride() != null) {
            return kept;
        }
        try {
            PricedCost priced = EventPricer.price(prices, e.provider(), e.model(), e.timestamp(), e.usage());
            return priced.cost().nanos() > Bounds.MAX_EVENT_COST_NANOS ? kept : priced;
        } catch (ArithmeticException ex) {
            return kept;
        }
    }

    /** Whether repricing changed the event: its cost, or which of its metrics have no price. */
    public static boolean changed(LedgerEntry entry, PricedCost repriced) {
        if (entry.cost().nanos() != repriced.cost().nanos()) {
            return true;
        }
        // Most events are priced before and after: no sets to build (this runs several times per event walked).
        List<String> before = entry.unpricedMetrics();
        List<String> after = repriced.unpricedMetrics();
        return !before.equals(after) && !new HashSet<>(before).equals(new HashSet<>(after));
    }

    /** A re-rating's id for a listing: unguessable, like other ids. */
    private static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return "rr_" + HexFormat.of().formatHex(bytes);
    }

    /** Finds a re-rating by id, if stored. */
    public Optional<Rerating> find(String id) {
        return store.rerating(id);
    }
}
