package dev.tally.core.alert;

import dev.tally.core.money.Money;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * The rules of the alert engine that are not part of a limit: cost amounts, the rate-spike rule and the forecast
 * rule. Thresholds of limits live on the limits themselves ({@code Limit.thresholds}).
 *
 * @param cost     monthly cost amounts that raise a {@code cost} alert
 * @param spike    when a request rate counts as a spike
 * @param forecast when a burn-rate projection is trusted enough to alert
 */
public record AlertSettings(CostRule cost, SpikeRule spike, ForecastRule forecast) {
    /** No cost alerts; the default spike and forecast rules. */
    public static final AlertSettings DEFAULTS = new AlertSettings(CostRule.NONE, SpikeRule.DEFAULT,
            ForecastRule.DEFAULT);

    public AlertSettings {
        Objects.requireNonNull(cost, "cost");
        Objects.requireNonNull(spike, "spike");
        Objects.requireNonNull(forecast, "forecast");
    }

    /**
     * Monthly cost amounts: a customer's own, else the default, for each customer's billing month; and one for the
     * sum over all customers of their current billing months.
     *
     * @param defaultAmount for customers without their own amount; null for none
     * @param customers     per-customer amounts
     * @param global        for all customers together; null for none
     */
    public record CostRule(Money defaultAmount, Map<String, Money> customers, Money global) {
        /** No cost alerts at all. */
        public static final CostRule NONE = new CostRule(null, Map.of(), null);

        public CostRule {
            customers = Map.copyOf(customers);
        }

        /** The amount for this customer, or null if its cost raises no alert. */
        public Money amountFor(String customerId) {
            return customers.getOrDefault(customerId, defaultAmount);
        }
    }

    /**
     * The rate-spike rule. Requests are counted in fixed windows of {@code window}; after each window the baseline,
     * an exponentially weighted moving average of the window counts, moves {@code 1/smoothing} of the way toward
     * the count that window had (windows without requests count as 0). A customer spikes when, once at least
     * {@code warmupWindows} windows have passed since it was first seen, the current window's count is
     * {@code >= minRequests} and {@code > factor x baseline}.
     *
     * @param window        length of a counting window
     * @param factor        how many times the baseline is a spike
     * @param minRequests   the least requests in a window that can page: quieter customers are never flagged
     * @param warmupWindows windows to watch before trusting the baseline
     * @param smoothing     the baseline's time constant, in windows (alpha = 1/smoothing)
     */
    public record SpikeRule(Duration window, int factor, long minRequests, int warmupWindows, int smoothing) {
        /** 5-minute windows; more than 5x a baseline with a time constant of 3 hours; at least 100 requests. */
        public static final SpikeRule DEFAULT = new SpikeRule(Duration.ofMinutes(5), 5, 100, 12, 36);

        public SpikeRule {
            if (window.isNegative() || window.isZero()) {
                throw new IllegalArgumentException("spike window must be positive, was " + window);
            }
            if (factor < 1 || minRequests < 1 || warmupWindows < 0 || smoothing < 1) {
                throw new IllegalArgumentException("spike rule: factor, min_requests and smoothing must be >= 1 "
                        + "and warmup >= 0, were " + factor + ", " + minRequests + ", " + smoothing + ", "
                        + warmupWindows);
            }
        }
    }

    /**
     * The forecast rule: for monthly limits, the burn rate is the usage so far over the elapsed part of the billing
     * month; the limit runs out at {@code start + elapsed x amount / used}. An alert fires when that is before the
     * month ends, once {@code minElapsed} of the month has passed and at least {@code minPercent} of the limit is
     * used (so the first hour of a month does not page). Checked at most once per {@code checkEvery} per limit.
     */
    public record ForecastRule(Duration minElapsed, int minPercent, Duration checkEvery) {
        /** After a day, from 10% used, checked at most hourly. */
        public static final ForecastRule DEFAULT = new ForecastRule(Duration.ofDays(1), 10, Duration.ofHours(1));
    }
}
