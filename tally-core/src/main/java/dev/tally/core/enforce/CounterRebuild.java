package dev.tally.core.enforce;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.counter.Charge;
import dev.tally.core.counter.CounterSpec;
import dev.tally.core.counter.CounterStore;
import dev.tally.core.customer.Customer;
import dev.tally.core.event.EventCursor;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;
import dev.tally.core.limit.LimitUsage;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rebuilds counters from the store's rollups, before the first call is decided: in-memory counters at every start-up,
 * so a restart neither forgets usage nor counts it twice (rollups hold exactly the committed events); shared counters
 * once, when they are found empty. The counters must be empty when this begins. {@link #seedAdded} does the same for
 * one customer's limits that a catalog write just added, whose counters are new.
 *
 * <p>Day and month windows take their window's day or month rollups. Minute and hour windows take the minute rollups
 * of the last hour; each minute's usage is placed at the end of its minute (or now, if that is later than now), so a
 * rebuilt sliding window keeps it a little longer than the exact one would, never shorter: it errs toward denying.
 * Limits on end users and dimensions are rebuilt from the raw events of their windows ({@link #seedEndUsers}).
 * Reservations open before the restart are not rebuilt: they are released by the restart.
 */
public final class CounterRebuild {
    private CounterRebuild() {
    }

    /** Seeds {@code counters} with every customer's committed usage in its current windows; returns the seeds. */
    public static int rebuild(CounterStore counters, UsageStore store, Catalog catalog, Instant now) {
        List<Customer> customers = catalog.customers();
        if (customers.isEmpty()) {
            return 0;
        }
        Map<Window, Map<String, List<RollupRow>>> rows = rows(store, null, customers, now);
        int seeds = 0;
        for (Customer c : customers) {
            Sink direct = (charges, at) -> counters.record(c.id(), charges, at, null, now);
            for (Limit limit : catalog.customerLimitsOf(c)) {
                seeds += seed(direct, c, limit, rows, now);
            }
            List<Limit> endUserLimits = catalog.limitsOf(c).stream().filter(Limit::isEndUserScoped).toList();
            if (!endUserLimits.isEmpty()) {
                seeds += seedEndUsers(direct, store, c, endUserLimits, now);
            }
        }
        return seeds;
    }

    /**
     * Seeds the counters of limits a catalog write just added to customer {@code c} (new counters, found empty) with
     * the customer's committed usage in their windows, as {@link #rebuild} does at start-up, so a limit added partway
     * through its window counts the window's earlier usage. Reads only this customer's rollups and events.
     *
     * <p>A limit removed and added back within its window still has the counter it had (counters of removed limits
     * are not dropped), holding the usage from before the removal: each counter that is not empty is topped up to
     * the window's usage instead ({@link TopUp}), so that usage is not counted twice.
     *
     * <p>Events committed while this runs may be counted twice, once recorded and once read here: the added limit
     * errs toward denying by at most the events in flight at the moment of the write.
     */
    public static int seedAdded(CounterStore counters, UsageStore store, Customer c, List<Limit> added,
                                Instant now) {
        List<Limit> own = added.stream().filter(l -> !l.isEndUserScoped()).toList();
        List<Limit> endUser = added.stream().filter(Limit::isEndUserScoped).toList();
        TopUp topUp = new TopUp(counters, c.id(), now);
        int seeds = 0;
        if (!own.isEmpty()) {
            Map<Window, Map<String, List<RollupRow>>> rows = rows(store, c.id(), List.of(c), now);
            for (Limit limit : own) {
                seeds += seed(topUp, c, limit, rows, now);
            }
        }
        if (!endUser.isEmpty()) {
            seeds += seedEndUsers(topUp, store, c, endUser, now);
        }
        topUp.finish();
        return seeds;
    }

    /** Where seeds go: charges of committed usage at the moment they count at. */
    @FunctionalInterface
    private interface Sink {
        void record(List<Charge> charges, Instant at);
    }

    /**
     * Seeds counters that may already hold part of the usage seeded: a counter found empty at its first seed takes
     * every seed as it comes; one that is not (a limit removed and added back within its window) gets, at the end,
     * only what its window's usage exceeds what it holds, at {@code now}. For a calendar window that is exact; for a
     * sliding one the difference is kept a little longer than the events it stands for, erring toward denying.
     */
    private static final class TopUp implements Sink {
        private final CounterStore counters;
        private final String customerId;
        private final Instant now;
        /** Counters that were empty at their first seed (by spec key and value). */
        private final Set<List<Object>> fresh = new HashSet<>();
        /** Counters that were not: what they held, and the usage seeded for them. */
        private final Map<List<Object>, long[]> held = new LinkedHashMap<>();
        private final Map<List<Object>, Charge> heldCharges = new HashMap<>();

        TopUp(CounterStore counters, String customerId, Instant now) {
            this.counters = counters;
            this.customerId = customerId;
            this.now = now;
        }

        @Override
        public void record(List<Charge> charges, Instant at) {
            List<Charge> toRecord = new ArrayList<>(charges.size());
            for (Charge charge : charges) {
                List<Object> key = Arrays.asList(charge.spec().key(), charge.value());
                if (!fresh.contains(key) && !held.containsKey(key)) {
                    long used = counters.reserve(customerId, List.of(new Charge(charge.spec(), 0, charge.value())),
                            null, now).states().get(0).used();
                    if (used == 0) {
                        fresh.add(key);
                    } else {
                        held.put(key, new long[]{used, 0});
                        heldCharges.put(key, charge);
                    }
                }
                long[] sums = held.get(key);
                if (sums == null) {
                    toRecord.add(charge);
                } else {
                    sums[1] += charge.amount();
                }
            }
            if (!toRecord.isEmpty()) {
                counters.record(customerId, toRecord, at, null, now);
            }
        }

        /** Tops up the counters that held usage already. */
        void finish() {
            held.forEach((key, sums) -> {
                long missing = sums[1] - sums[0];
                if (missing > 0) {
                    Charge c = heldCharges.get(key);
                    counters.record(customerId, List.of(new Charge(c.spec(), missing, c.value())), now, null, now);
                }
            });
        }
    }

    /**
     * The rollups a rebuild reads, by grain and customer: minute rollups of the last hour, and the day and month
     * rollups from the earliest of {@code customers}' current days and months; {@code customerId} null reads all.
     */
    private static Map<Window, Map<String, List<RollupRow>>> rows(UsageStore store, String customerId,
                                                                  List<Customer> customers, Instant now) {
        Map<Window, Map<String, List<RollupRow>>> rows = new HashMap<>();
        rows.put(Window.MINUTE, byCustomer(store.rollups(customerId, Window.MINUTE,
                now.minus(Duration.ofMinutes(61)), now.plusSeconds(60))));
        for (Window calendar : List.of(Window.DAY, Window.MONTH)) {
            Instant earliest = customers.stream()
                    .map(c -> calendar.periodAt(c.zone(), c.billingDay(), now).start())
                    .min(Instant::compareTo).orElseThrow();
            rows.put(calendar, byCustomer(store.rollups(customerId, calendar, earliest, now.plusSeconds(1))));
        }
        return rows;
    }

    /**
     * Seeds the counters of limits on end users and dimensions from the customer's raw events in their windows.
     *
     * <p>Why raw events, where every other counter is rebuilt from rollups: the sums by user and dimension are kept
     * per billing month only, for four metrics, and past 100,000 users summed under {@code (other)}, while a {@code
     * per} limit counts every user exactly, in any window and metric. Raw events are kept at least 36 days, longer
     * than a billing month. The cost is one read of the customer's events of the longest such window (its month, for a
     * month limit), paid only by customers that have such limits.
     */
    private static int seedEndUsers(Sink counters, UsageStore store, Customer c, List<Limit> limits,
                                    Instant now) {
        List<Period> windows = new ArrayList<>(limits.size());
        Instant from = now;
        for (Limit limit : limits) {
            Period w = switch (limit.window()) {
                case MINUTE -> new Period(now.minusSeconds(61), now.plusSeconds(60));
                case HOUR -> new Period(now.minusSeconds(3661), now.plusSeconds(60));
                case DAY, MONTH -> limit.window().periodAt(c.zone(), c.billingDay(), now);
            };
            windows.add(w);
            from = w.start().isBefore(from) ? w.start() : from;
        }
        List<CounterSpec> specs = limits.stream().map(l -> Enforcer.spec(c, l)).toList();
        int seeds = 0;
        EventCursor cursor = null;
        do {
            EventPage page = store.events(new EventQuery(c.id(), from, now.plusSeconds(60), null, null, null, false,
                    1000, cursor));
            for (StoredEvent stored : page.events()) {
                UsageEvent e = stored.event();
                List<Charge> charges = new ArrayList<>();
                for (int i = 0; i < limits.size(); i++) {
                    Limit l = limits.get(i);
                    if (windows.get(i).contains(e.timestamp()) && l.matches(e.provider(), e.model(), e.endpoint())
                            && l.matchesEndUser(e.user(), e.dimensions())) {
                        charges.add(new Charge(specs.get(i), Enforcer.actual(l.metric(), e, stored.cost()),
                                l.perValue(e.user(), e.dimensions())));
                    }
                }
                if (!charges.isEmpty()) {
                    counters.record(charges, e.timestamp());
                    seeds++;
                }
            }
            cursor = page.next();
        } while (cursor != null);
        return seeds;
    }

    private static int seed(Sink counters, Customer c, Limit limit,
                            Map<Window, Map<String, List<RollupRow>>> rows, Instant now) {
        CounterSpec spec = Enforcer.spec(c, limit);
        boolean sliding = limit.window() == Window.MINUTE || limit.window() == Window.HOUR;
        List<RollupRow> source = rows.get(sliding ? Window.MINUTE : limit.window()).getOrDefault(c.id(), List.of());
        Period current = sliding ? null : limit.window().periodAt(c.zone(), c.billingDay(), now);
        int seeds = 0;
        for (RollupRow row : source) {
            RollupKey k = row.key();
            if (current != null && !current.contains(k.bucketStart())) {
                continue;
            }
            if (!limit.matches(RollupKey.nullIfEmpty(k.provider()), RollupKey.nullIfEmpty(k.model()),
                    RollupKey.nullIfEmpty(k.endpoint()))) {
                continue;
            }
            long amount = LimitUsage.raw(limit.metric(), row.counts());
            if (amount == 0) {
                continue;
            }
            Instant at = sliding ? min(k.bucketStart().plusSeconds(60).minusMillis(1), now) : k.bucketStart();
            // Recorded like an event of that moment: its window, and its place in a sliding window, are the event's.
            counters.record(List.of(new Charge(spec, amount)), at);
            seeds++;
        }
        return seeds;
    }

    private static Map<String, List<RollupRow>> byCustomer(List<RollupRow> rows) {
        Map<String, List<RollupRow>> map = new HashMap<>();
        for (RollupRow row : rows) {
            map.computeIfAbsent(row.key().customerId(), k -> new ArrayList<>()).add(row);
        }
        return map;
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }
}
