package dev.tally.core.alert;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitState;
import dev.tally.core.usage.UsageReporter;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether an open alert's cause went away, the rules of self-resolution (see {@link AlertEngine}). Usage is read
 * from the rollups through the {@link UsageReporter} only when a limit alert of the current day or month needs it,
 * and then once per customer per sweep.
 */
final class CauseCheck {
    private final Customer customer;
    private final List<Limit> limits;
    private final UsageReporter reporter;
    private final Instant now;
    private Map<String, LimitState> states;
    private java.util.Set<String> unpriced;

    private CauseCheck(Customer customer, List<Limit> limits, UsageReporter reporter, Instant now) {
        this.customer = customer;
        this.limits = limits;
        this.reporter = reporter;
        this.now = now;
    }

    static CauseCheck of(Catalog catalog, UsageReporter reporter, String customerId, Instant now) {
        Customer c = catalog.customer(customerId).orElse(null);
        return new CauseCheck(c, c == null ? List.of() : catalog.limitsOf(c), reporter, now);
    }

    /** The customer's limits by name, each with its usage in its current window. */
    private Map<String, LimitState> states() {
        if (states == null) {
            states = new HashMap<>();
            for (LimitState s : reporter.limitStates(customer, now)) {
                states.put(s.limit().name(), s);
            }
        }
        return states;
    }

    /** Whether no event of the unpriced alert's provider and model is unpriced any more in its month. */
    private boolean pricedSince(Alert a, Instant now) {
        if (unpriced == null) {
            unpriced = reporter.unpricedSubjects(customer, AlertPeriods.month(customer, now).period());
        }
        return !unpriced.contains(a.limit());
    }

    /** Whether {@code a} should resolve now; {@code check} is null for global alerts. */
    static boolean isGone(Alert a, CauseCheck check, Instant now, AlertSettings.ForecastRule rule) {
        if (a.customer() == null) {
            return !AlertPeriods.utcMonth(now).key().equals(a.period());
        }
        Customer c = check.customer;
        if (c == null) {
            return true;
        }
        return switch (a.kind()) {
            case COST -> !AlertPeriods.month(c, now).key().equals(a.period());
            // Or its usage became priced (a price was added and the month re-rated).
            case UNPRICED -> !AlertPeriods.month(c, now).key().equals(a.period()) || check.pricedSince(a, now);
            case RATE_SPIKE -> !AlertPeriods.utcHour(now).key().equals(a.period());
            case THRESHOLD, EXCEEDED, FORECAST -> check.limitCauseGone(a, now, rule);
        };
    }

    private boolean limitCauseGone(Alert a, Instant now, AlertSettings.ForecastRule rule) {
        Limit limit = limits.stream().filter(l -> l.name().equals(a.limit())).findFirst().orElse(null);
        if (limit == null || limit.isUnlimited()) {
            return true;
        }
        if (!AlertPeriods.of(customer, limit, now).key().equals(a.period())) {
            return true;
        }
        if (AlertPeriods.sliding(limit.window())) {
            // A minute or hour window empties by itself within the hour: its alerts last the hour, or rate-limited
            // customers would see one alert a minute.
            return false;
        }
        if (limit.isEndUserScoped()) {
            // The customer's rollups do not measure a limit on end users or dimensions: its alerts (one per user or
            // value for a per limit) last their period, unless the limit goes away.
            return false;
        }
        LimitState state = states().get(a.limit());
        if (state == null) {
            return true;
        }
        BigDecimal percent = state.percent();
        return switch (a.kind()) {
            // Back under the level it fired at: the limit was raised.
            case THRESHOLD -> percent.compareTo(BigDecimal.valueOf(a.threshold())) < 0;
            case EXCEEDED -> a.percent() != null && percent.compareTo(a.percent().min(BigDecimal.valueOf(100))) < 0;
            case FORECAST -> Forecast.exhaustion(AlertPeriods.of(customer, limit, now).period(), state.used(),
                    limit.amount(), now, rule).isEmpty() && state.used().compareTo(limit.amount()) < 0;
            default -> false;
        };
    }
}
