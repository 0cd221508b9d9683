package dev.tally.core.adjust;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitUsage;
import dev.tally.core.metric.MetricUnit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.money.Money;
import dev.tally.core.metric.Quantity;
import dev.tally.core.period.Period;
import dev.tally.core.period.Periods;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.Price;
import dev.tally.core.problem.Problems;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Records and lists adjustments (see {@link Adjustment}).
 *
 * <p>Rules of a new adjustment, all checked before anything is stored (every broken rule is reported):
 * <ul>
 *   <li>{@code reason}: required, not blank, at most {@value #MAX_REASON} characters.</li>
 *   <li>{@code metric}: {@code cost}, {@code requests}, a well-known sent metric, or a metric that one of the
 *       customer's limits or a price names; not {@code tokens} (derived: adjust one of its parts).</li>
 *   <li>{@code amount}: non-zero; for {@code cost} at most nine decimals and at most 1,000,000 USD either way; for
 *       {@code requests} and whole-number metrics a whole number; otherwise at most six decimals; quantities at most
 *       10^12 units either way.</li>
 *   <li>{@code period}: a billing month that has begun (not in the future).</li>
 *   <li>For every metric but {@code cost}, the month's total after the adjustment must not be negative (a negative
 *       count of requests or tokens makes no sense; a cost may be credited below zero).</li>
 *   <li>No read may overflow: the month's total of the metric, its {@code tokens} for a token part, and the same
 *       sums over every customer's month starting in that calendar month must stay exact in a {@code long} (their
 *       positive and their negative parts each). Events recorded later may still take a sum past it; reads then
 *       show the largest value they can.</li>
 * </ul>
 */
public final class Adjustments {
    /** Longest reason kept. */
    public static final int MAX_REASON = 500;
    private static final BigDecimal MAX_QUANTITY = BigDecimal.valueOf(Bounds.MAX_QUANTITY_UNITS);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Catalog catalog;
    private final AdjustmentStore store;
    private final UsageStore usage;
    private final InstantSource clock;
    private final List<Consumer<Adjustment>> listeners = new CopyOnWriteArrayList<>();

    /** @param usage the ledger with adjustments counted ({@link AdjustedUsageStore}), for the non-negative rule */
    public Adjustments(Catalog catalog, AdjustmentStore store, UsageStore usage, InstantSource clock) {
        this.catalog = catalog;
        this.store = store;
        this.usage = usage;
        this.clock = clock;
    }

    /** Registers {@code listener} to run after each recorded adjustment (counters, alerts), on the caller's thread. */
    public void onRecorded(Consumer<Adjustment> listener) {
        listeners.add(listener);
    }

    /**
     * Records an adjustment of a customer's month.
     *
     * @param period null when absent (then reported as missing)
     * @throws dev.tally.core.problem.ValidationException naming each field and rule broken; nothing is stored then
     */
    public Adjustment record(String customerId, String metric, BigDecimal amount, String reason, YearMonth period,
                             String createdBy) {
        Customer c = catalog.requireCustomer(customerId);
        Instant now = clock.instant();
        Problems problems = new Problems();
        if (reason == null || reason.isBlank()) {
            problems.add("reason", "is required: say why the correction is made");
        } else if (reason.length() > MAX_REASON) {
            problems.add("reason", "must be at most " + MAX_REASON + " characters, was " + reason.length());
        }
        boolean metricOk = checkMetric(c, metric, problems);
        Long raw = metricOk && amount != null ? raw(metric, amount, problems) : null;
        if (amount == null) {
            problems.add("amount", "is required: a signed decimal string such as \"-12.50\"");
        }
        Period month = null;
        if (period == null) {
            problems.add("period", "is required: the month as YYYY-MM");
        } else {
            month = Periods.billingMonth(c.zone(), c.billingDay(), period);
            if (month.start().isAfter(now)) {
                problems.add("period", "must be a billing month that has begun; " + period + " starts "
                        + month.start());
            }
        }
        if (raw != null && month != null && problems.isEmpty()) {
            checkTotal(c, metric, amount, raw, period, month, problems);
        }
        problems.throwIfAny("The adjustment is not valid; nothing was changed");
        Adjustment a = new Adjustment(newId(), c.id(), period, month.start(), metric, amount, raw, reason.strip(),
                createdBy, now);
        store.addAdjustment(a);
        listeners.forEach(l -> l.accept(a));
        return a;
    }

    /** A customer's adjustments of one billing month ({@code month} null: the current one), oldest first. */
    public List<Adjustment> list(String customerId, YearMonth month) {
        Customer c = catalog.requireCustomer(customerId);
        Period p = month == null ? Periods.billingMonth(c.zone(), c.billingDay(), clock.instant())
                : Periods.billingMonth(c.zone(), c.billingDay(), month);
        return store.adjustments(c.id(), p.start(), p.end());
    }

    /** Adjustments of a customer whose billing month starts in {@code [from, to)}, oldest first. */
    public List<Adjustment> between(String customerId, Instant from, Instant to) {
        return store.adjustments(customerId, from, to);
    }

    private boolean checkMetric(Customer c, String metric, Problems problems) {
        if (metric == null) {
            problems.add("metric", "is required: cost, requests or a sent metric such as input_tokens");
            return false;
        }
        if (Metrics.TOKENS.equals(metric)) {
            problems.add("metric", "must not be tokens, which is derived: adjust input_tokens, output_tokens, "
                    + "cached_tokens or cache_write_tokens instead");
            return false;
        }
        if (!knownMetrics(c).contains(metric)) {
            problems.add("metric", "must be cost, requests, a well-known metric, or a metric a limit of this "
                    + "customer or a price names; \"" + Bounds.show(metric) + "\" is none of these");
            return false;
        }
        return true;
    }

    private Set<String> knownMetrics(Customer c) {
        Set<String> known = new java.util.HashSet<>(Metrics.INTEGER_METRICS);
        known.addAll(List.of(Metrics.REQUESTS, Metrics.COST, Metrics.SECONDS, Metrics.COMPUTE_UNITS));
        for (Limit l : catalog.limitsOf(c)) {
            known.add(l.metric());
        }
        for (Price p : catalog.prices().all()) {
            known.add(p.metric());
        }
        known.remove(Metrics.TOKENS);
        return known;
    }

    /** The amount in the metric's stored unit, or null with the rule it breaks. */
    private static Long raw(String metric, BigDecimal amount, Problems problems) {
        String digits = Bounds.digitsProblem(amount);
        if (digits != null) {
            problems.add("amount", digits);
            return null;
        }
        if (amount.signum() == 0) {
            problems.add("amount", "must not be zero");
            return null;
        }
        BigDecimal magnitude = amount.abs();
        if (Metrics.COST.equals(metric)) {
            if (magnitude.compareTo(Bounds.MAX_EVENT_COST_USD) > 0) {
                problems.add("amount", "must be at most " + Bounds.MAX_EVENT_COST_USD.toPlainString()
                        + " USD either way, was " + Bounds.show(amount));
                return null;
            }
            if (amount.stripTrailingZeros().scale() > Money.SCALE) {
                problems.add("amount", "must have at most " + Money.SCALE + " decimal places (nano-dollars), was "
                        + Bounds.show(amount));
                return null;
            }
            return amount.movePointRight(Money.SCALE).longValueExact();
        }
        if (magnitude.compareTo(MAX_QUANTITY) > 0) {
            problems.add("amount", "must be at most " + MAX_QUANTITY.toPlainString() + " units either way, was "
                    + Bounds.show(amount));
            return null;
        }
        boolean whole = Metrics.REQUESTS.equals(metric) || Metrics.isInteger(metric);
        if (whole && amount.stripTrailingZeros().scale() > 0) {
            problems.add("amount", "must be a whole number for " + metric + ", was " + Bounds.show(amount));
            return null;
        }
        if (amount.stripTrailingZeros().scale() > Quantity.SCALE) {
            problems.add("amount", "must have at most " + Quantity.SCALE + " decimal places, was "
                    + Bounds.show(amount));
            return null;
        }
        return Metrics.REQUESTS.equals(metric) ? amount.longValueExact()
                : amount.movePointRight(Quantity.SCALE).longValueExact();
    }

    /**
     * The month's total after the adjustment must not be negative unless it is a cost, and no read may overflow: the
     * customer's month total of the metric, its {@code tokens} (the sum of the parts) for a token part, and the same
     * sums over every customer's billing month starting in the same calendar month (the overview, global alerts).
     * Reads add usage and adjustments in any order, so the positive and the negative parts of each sum must each fit
     * a long ({@link Sums#fits}), which makes every partial sum fit.
     */
    private void checkTotal(Customer c, String metric, BigDecimal amount, long raw, YearMonth period, Period month,
                            Problems problems) {
        List<RollupRow> own = usage.rollups(c.id(), Window.MONTH, month.start(), month.end());
        Sums total = Sums.of(own, metric).plus(raw);
        if (!total.fits()) {
            problems.add("amount", "would take the month's total of " + metric + " past what Tally can count "
                    + "exactly (" + MetricUnit.of(metric).toDecimal(Long.MAX_VALUE).toPlainString() + ")");
            return;
        }
        boolean tokenPart = Metrics.TOKEN_PARTS.contains(metric);
        if (tokenPart && !Sums.of(own, Metrics.TOKENS).plus(raw).fits()) {
            problems.add("amount", "would take the month's tokens (the sum of input, output, cached and cache-write "
                    + "tokens) past what Tally can count exactly (" + MetricUnit.of(Metrics.TOKENS)
                    .toDecimal(Long.MAX_VALUE).toPlainString() + ")");
            return;
        }
        // Every customer's billing month that starts in this calendar month, in any zone, starts in this window
        // (which also takes in the few starting within a day of it: stricter, never looser).
        Instant from = period.atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().minus(Duration.ofDays(1));
        Instant to = period.plusMonths(1).atDay(1).atStartOfDay(ZoneOffset.UTC).toInstant().plus(Duration.ofDays(1));
        List<RollupRow> all = usage.rollupSums(Window.MONTH, from, to, Set.of());
        if (!Sums.of(all, metric).plus(raw).fits() || tokenPart && !Sums.of(all, Metrics.TOKENS).plus(raw).fits()) {
            problems.add("amount", "would take the sum of every customer's month of " + (tokenPart ? "tokens or " : "")
                    + metric + " past what Tally can count exactly (" + MetricUnit.of(metric)
                    .toDecimal(Long.MAX_VALUE).toPlainString() + ")");
            return;
        }
        long after = total.total();
        if (after < 0 && !Metrics.COST.equals(metric)) {
            problems.add("amount", "would make the month's total of " + metric + " negative: it is "
                    + MetricUnit.of(metric).toDecimal(Math.subtractExact(after, raw)).toPlainString()
                    + ", the adjustment " + amount.toPlainString());
        }
    }

    /** The positive and the negative parts of a sum of month rows, exactly. */
    private record Sums(BigInteger positive, BigInteger negative) {
        private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

        /** The rows' values of {@code metric}; {@code tokens} summed exactly from its parts. */
        static Sums of(List<RollupRow> rows, String metric) {
            Sums sums = new Sums(BigInteger.ZERO, BigInteger.ZERO);
            for (RollupRow row : rows) {
                if (Metrics.TOKENS.equals(metric)) {
                    for (String part : Metrics.TOKEN_PARTS) {
                        sums = sums.plus(row.counts().micros(part));
                    }
                } else {
                    sums = sums.plus(LimitUsage.raw(metric, row.counts()));
                }
            }
            return sums;
        }

        Sums plus(long value) {
            BigInteger v = BigInteger.valueOf(value);
            return value >= 0 ? new Sums(positive.add(v), negative) : new Sums(positive, negative.add(v));
        }

        /** Whether every partial sum, in any order, fits a long. */
        boolean fits() {
            return positive.compareTo(MAX) <= 0 && negative.negate().compareTo(MAX) <= 0;
        }

        /** The sum; only when it {@link #fits}. */
        long total() {
            return positive.add(negative).longValueExact();
        }
    }

    private static String newId() {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return "adj_" + HexFormat.of().formatHex(bytes);
    }
}
