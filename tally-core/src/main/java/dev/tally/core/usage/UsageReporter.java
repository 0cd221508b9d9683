package dev.tally.core.usage;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitState;
import dev.tally.core.limit.LimitStatus;
import dev.tally.core.limit.LimitUsage;
import dev.tally.core.period.Period;
import dev.tally.core.period.Periods;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.LatencyBuckets;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupDimension;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.InstantSource;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Answers usage questions from rollups, never by scanning raw events: a customer's month, the overview of all
 * customers, monthly history and limit states.
 */
public final class UsageReporter {
    private static final int TOP_ENDPOINTS = 10;

    private final UsageStore store;
    private final Catalog catalog;
    private final InstantSource clock;

    public UsageReporter(UsageStore store, Catalog catalog, InstantSource clock) {
        this.store = store;
        this.catalog = catalog;
        this.clock = clock;
    }

    /** The clock reports are made at: "now" for whatever is shown beside a report (a reset in so many hours). */
    public InstantSource clock() {
        return clock;
    }

    /**
     * A customer's usage over a billing month.
     *
     * <p>Reads a few hundred values whatever the traffic: the totals, the breakdowns and the top endpoints come from
     * the month's rollup rows (one per provider, model and endpoint; their bucket is the billing month, as for month
     * limits and the history), the daily series from the day rows summed per day in the store.
     *
     * @param month the calendar month the billing month starts in, or null for the current one
     */
    public UsageReport report(String customerId, YearMonth month) {
        Customer c = catalog.requireCustomer(customerId);
        Instant now = clock.instant();
        Period current = Periods.billingMonth(c.zone(), c.billingDay(), now);
        Period period = month == null ? current : Periods.billingMonth(c.zone(), c.billingDay(), month);
        List<RollupRow> months = store.rollups(c.id(), Window.MONTH, period.start(), period.end());
        List<RollupRow> days = store.rollupTotalsByBucket(c.id(), Window.DAY, period.start(), period.end());
        List<LimitState> limits = period.equals(current) ? limitStates(c, now, months)
                : monthLimitStates(c, period, months);
        RollupCounts totals = sum(months);
        return new UsageReport(c, catalog.plan(c.planId()).orElse(null), period, totals,
                breakdown(months, r -> new RollupKey(null, null, null, r.provider(), "", "")),
                breakdown(months, r -> new RollupKey(null, null, null, r.provider(), r.model(), "")),
                limits, daily(c.zone(), period, days, now), topEndpoints(months),
                latency(c.id(), period, totals));
    }

    /**
     * The providers and models of a customer's billing month that still have unpriced events, each named as an
     * unpriced alert names it ({@code provider/model}).
     */
    public java.util.Set<String> unpricedSubjects(Customer c, Period month) {
        java.util.Set<String> subjects = new java.util.HashSet<>();
        for (RollupRow row : store.rollups(c.id(), Window.MONTH, month.start(), month.end())) {
            if (row.counts().unpriced() > 0) {
                RollupKey k = row.key();
                subjects.add(RollupKey.nullIfEmpty(k.provider()) + "/"
                        + (k.model().isEmpty() ? "(no model)" : k.model()));
            }
        }
        return subjects;
    }

    /** Every limit of the customer, each measured in its window that contains {@code now}. */
    public List<LimitState> limitStates(Customer c, Instant now) {
        return limitStates(c, now, null);
    }

    /**
     * Like {@link #limitStates(Customer, Instant)}, reusing {@code currentMonthRows} (the month rows of the current
     * billing month, already read for the report) for month limits when not null.
     */
    private List<LimitState> limitStates(Customer c, Instant now, List<RollupRow> currentMonthRows) {
        List<Limit> limits = catalog.customerLimitsOf(c);
        Map<Window, List<RollupRow>> rowsByWindow = new EnumMap<>(Window.class);
        if (currentMonthRows != null) {
            rowsByWindow.put(Window.MONTH, currentMonthRows);
        }
        List<LimitState> states = new ArrayList<>();
        for (Limit limit : limits) {
            Period window = limit.window().periodAt(c.zone(), c.billingDay(), now);
            List<RollupRow> rows = rowsByWindow.computeIfAbsent(limit.window(),
                    w -> store.rollups(c.id(), w, window.start(), window.end()));
            states.add(LimitState.of(limit, window, LimitUsage.used(limit, rows)));
        }
        return states;
    }

    private List<LimitState> monthLimitStates(Customer c, Period period, List<RollupRow> monthRows) {
        List<LimitState> states = new ArrayList<>();
        for (Limit limit : catalog.customerLimitsOf(c)) {
            if (limit.window() == Window.MONTH) {
                states.add(LimitState.of(limit, period, LimitUsage.used(limit, monthRows)));
            }
        }
        return states;
    }

    /**
     * One row per customer for a billing month, with the worst status of its limits.
     *
     * @param month the calendar month the billing months start in, or null for each customer's current one (then
     *              every limit is measured in its current window; for a past month, only month limits are shown)
     */
    public List<CustomerOverview> overview(YearMonth month) {
        return month == null ? currentOverview() : pastOverview(month);
    }

    private List<CustomerOverview> pastOverview(YearMonth month) {
        List<Customer> customers = catalog.customers();
        List<CustomerOverview> result = new ArrayList<>();
        if (customers.isEmpty()) {
            return result;
        }
        Map<String, Period> periods = new HashMap<>();
        customers.forEach(c -> periods.put(c.id(), billingMonth(c, month)));
        Instant from = periods.values().stream().map(Period::start).min(Comparator.naturalOrder()).orElseThrow();
        Instant to = periods.values().stream().map(Period::end).max(Comparator.naturalOrder()).orElseThrow();
        Map<String, List<RollupRow>> byCustomer = new HashMap<>();
        for (RollupRow row : store.rollupSums(Window.MONTH, from, to, dimensionsOfLimits(customers))) {
            byCustomer.computeIfAbsent(row.key().customerId(), k -> new ArrayList<>()).add(row);
        }
        for (Customer c : customers) {
            Period period = periods.get(c.id());
            List<RollupRow> rows = inWindow(byCustomer.get(c.id()), period);
            List<LimitState> states = monthLimitStates(c, period, rows);
            LimitStatus worst = states.stream().map(LimitState::status).reduce(LimitStatus.OK, LimitStatus::worst);
            result.add(new CustomerOverview(c, period, sum(rows), states, worst));
        }
        return result;
    }

    /** The customer's billing month that starts in {@code month}, or its current one when null. */
    public Period billingMonth(Customer c, YearMonth month) {
        return month == null ? Periods.billingMonth(c.zone(), c.billingDay(), clock.instant())
                : Periods.billingMonth(c.zone(), c.billingDay(), month);
    }

    /** The customer's day rollups (per provider, model and endpoint) over a billing month, for reports. */
    public List<RollupRow> dayRows(Customer c, Period period) {
        return store.rollups(c.id(), Window.DAY, period.start(), period.end());
    }

    private List<CustomerOverview> currentOverview() {
        Instant now = clock.instant();
        List<Customer> customers = catalog.customers();
        if (customers.isEmpty()) {
            return List.of();
        }
        // One bulk read per grain that is needed (the month for the totals, others only if a limit uses them)
        // instead of one per customer: windows of every customer lie within these bounds, and rows are matched to
        // customers in memory. The store sums away the provider, model and endpoint unless a limit filters on them,
        // so each customer brings a few rows, not one per provider, model and endpoint (see docs/benchmarks.md).
        Set<RollupDimension> keep = dimensionsOfLimits(customers);
        Set<Window> grains = EnumSet.of(Window.MONTH);
        customers.forEach(c -> catalog.customerLimitsOf(c).forEach(l -> grains.add(l.window())));
        Map<Window, Map<String, List<RollupRow>>> rows = new EnumMap<>(Window.class);
        for (Window grain : Window.values()) {
            Map<String, List<RollupRow>> byCustomer = new HashMap<>();
            rows.put(grain, byCustomer);
            if (!grains.contains(grain)) {
                continue;
            }
            Instant earliest = customers.stream()
                    .map(c -> grain.periodAt(c.zone(), c.billingDay(), now).start())
                    .min(Comparator.naturalOrder()).orElseThrow();
            for (RollupRow row : store.rollupSums(grain, earliest, now.plusSeconds(1), keep)) {
                byCustomer.computeIfAbsent(row.key().customerId(), k -> new ArrayList<>()).add(row);
            }
        }
        List<CustomerOverview> result = new ArrayList<>();
        for (Customer c : customers) {
            Period month = Periods.billingMonth(c.zone(), c.billingDay(), now);
            List<RollupRow> monthRows = inWindow(rows.get(Window.MONTH).get(c.id()), month);
            List<LimitState> states = new ArrayList<>();
            LimitStatus worst = LimitStatus.OK;
            for (Limit limit : catalog.customerLimitsOf(c)) {
                Period window = limit.window().periodAt(c.zone(), c.billingDay(), now);
                LimitState state = LimitState.of(limit, window,
                        LimitUsage.used(limit, inWindow(rows.get(limit.window()).get(c.id()), window)));
                states.add(state);
                worst = worst.worst(state.status());
            }
            result.add(new CustomerOverview(c, month, sum(monthRows), states, worst));
        }
        return result;
    }

    /** The key parts that the limits of these customers filter on: the rest can be summed away. */
    private Set<RollupDimension> dimensionsOfLimits(List<Customer> customers) {
        List<Limit> all = new ArrayList<>();
        customers.forEach(c -> all.addAll(catalog.customerLimitsOf(c)));
        return LimitUsage.dimensions(all);
    }

    /** The customer's monthly summaries, newest first, at most {@code months} of them. */
    public List<MonthSummary> history(String customerId, int months) {
        Customer c = catalog.requireCustomer(customerId);
        Instant now = clock.instant();
        Period current = Periods.billingMonth(c.zone(), c.billingDay(), now);
        Map<Instant, RollupCounts> byStart = new TreeMap<>(Comparator.reverseOrder());
        for (RollupRow row : store.rollups(c.id(), Window.MONTH, Instant.EPOCH, current.end())) {
            byStart.computeIfAbsent(row.key().bucketStart(), k -> new RollupCounts()).add(row.counts());
        }
        List<MonthSummary> summaries = new ArrayList<>();
        for (Map.Entry<Instant, RollupCounts> e : byStart.entrySet()) {
            if (summaries.size() == months) {
                break;
            }
            Period period = Periods.billingMonth(c.zone(), c.billingDay(), e.getKey());
            YearMonth name = YearMonth.from(LocalDate.ofInstant(e.getKey(), c.zone()));
            summaries.add(new MonthSummary(name, new Period(e.getKey(), period.end()), e.getValue()));
        }
        return summaries;
    }

    private static List<RollupRow> inWindow(List<RollupRow> rows, Period window) {
        if (rows == null) {
            return List.of();
        }
        return rows.stream().filter(r -> window.contains(r.key().bucketStart())).toList();
    }

    private static RollupCounts sum(List<RollupRow> rows) {
        RollupCounts total = new RollupCounts();
        rows.forEach(r -> total.add(r.counts()));
        return total;
    }

    /** Sums rows grouped by {@code group}, leaving out rows without a provider; most expensive first. */
    private static List<UsageReport.Breakdown> breakdown(List<RollupRow> rows, Function<RollupKey, RollupKey> group) {
        Map<RollupKey, RollupCounts> sums = new LinkedHashMap<>();
        for (RollupRow row : rows) {
            RollupKey key = group.apply(row.key());
            if (key.provider().isEmpty()) {
                continue;
            }
            sums.computeIfAbsent(key, k -> new RollupCounts()).add(row.counts());
        }
        List<UsageReport.Breakdown> list = new ArrayList<>();
        sums.forEach((k, v) -> list.add(new UsageReport.Breakdown(RollupKey.nullIfEmpty(k.provider()),
                RollupKey.nullIfEmpty(k.model()), RollupKey.nullIfEmpty(k.endpoint()), v)));
        list.sort(Comparator.comparingLong((UsageReport.Breakdown b) -> b.counts().costNanos()).reversed()
                .thenComparing(Comparator.comparingLong((UsageReport.Breakdown b) -> b.counts().requests()).reversed()));
        return list;
    }

    private static List<UsageReport.Breakdown> topEndpoints(List<RollupRow> rows) {
        Map<String, RollupCounts> sums = new HashMap<>();
        for (RollupRow row : rows) {
            if (!row.key().endpoint().isEmpty()) {
                sums.computeIfAbsent(row.key().endpoint(), k -> new RollupCounts()).add(row.counts());
            }
        }
        return sums.entrySet().stream()
                .sorted(Comparator.comparingLong((Map.Entry<String, RollupCounts> e) -> e.getValue().requests())
                        .reversed().thenComparing(Map.Entry::getKey))
                .limit(TOP_ENDPOINTS)
                .map(e -> new UsageReport.Breakdown(null, null, e.getKey(), e.getValue()))
                .toList();
    }

    private static List<UsageReport.Day> daily(ZoneId zone, Period period, List<RollupRow> rows, Instant now) {
        Map<LocalDate, RollupCounts> byDate = new TreeMap<>();
        LocalDate first = LocalDate.ofInstant(period.start(), zone);
        Instant lastInstant = now.isBefore(period.end()) ? now : period.end().minusNanos(1);
        LocalDate last = LocalDate.ofInstant(lastInstant, zone);
        for (LocalDate d = first; !d.isAfter(last); d = d.plusDays(1)) {
            byDate.put(d, new RollupCounts());
        }
        for (RollupRow row : rows) {
            byDate.computeIfAbsent(LocalDate.ofInstant(row.key().bucketStart(), zone), k -> new RollupCounts())
                    .add(row.counts());
        }
        List<UsageReport.Day> days = new ArrayList<>();
        byDate.forEach((date, counts) -> days.add(new UsageReport.Day(date, counts)));
        return days;
    }

    private UsageReport.LatencySummary latency(String customerId, Period period, RollupCounts total) {
        if (total.latencyCount() == 0) {
            return new UsageReport.LatencySummary(null, null, null, null);
        }
        BigDecimal avg = BigDecimal.valueOf(total.latencySumMs())
                .divide(BigDecimal.valueOf(total.latencyCount()), 1, RoundingMode.HALF_UP);
        SortedMap<Integer, Long> histogram = store.latencyHistogram(customerId, period.start(), period.end());
        return new UsageReport.LatencySummary(avg, LatencyBuckets.percentile(histogram, 50),
                LatencyBuckets.percentile(histogram, 95), LatencyBuckets.percentile(histogram, 99));
    }
}
