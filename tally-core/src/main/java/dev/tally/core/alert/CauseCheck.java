package dev.tally.core.alert;

import dev.tally.core.catalog.Catalog;
import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.usage.LimitState;
import dev.tally.core.usage.UsageReporter;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether an open alert's cause went away, the rules of self-resolution (see {@link AlertEngine}). Usage is read
 * from the rollups through the {@link UsageReporter}, once per customer per sweep, and only for customers with open
 * alerts.
 */
final class CauseCheck {
    private final Customer customer;
    private final Map<String, LimitState> states = new HashMap<>();

    private CauseCheck(Customer customer, List<LimitState> states) {
        this.customer = customer;
        states.forEach(s -> this.states.put(s.limit().name(), s));
    }

    static CauseCheck of(Catalog catalog, UsageReporter reporter, String customerId, Instant now) {
        Customer c = catalog.customer(customerId).orElse(null);
        return new CauseCheck(c, c == null ? List.of() : reporter.limitStates(c, now));
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
            case COST, UNPRICED -> !AlertPeriods.month(c, now).key().equals(a.period());
            case RATE_SPIKE -> !AlertPeriods.utcHour(now).key().equals(a.period());
            case THRESHOLD, EXCEEDED, FORECAST -> check.limitCauseGone(a, now, rule);
        };
    }

    private boolean limitCauseGone(Alert a, Instant now, AlertSettings.ForecastRule rule) {
        LimitState state = states.get(a.limit());
        if (state == null || state.limit().isUnlimited()) {
            return true;
        }
        Limit limit = state.limit();
        if (!AlertPeriods.of(customer, limit, now).key().equals(a.period())) {
            return true;
        }
        if (AlertPeriods.sliding(limit.window())) {
            // A minute or hour window empties by itself within the hour: its alerts last the hour, or rate-limited
            // customers would see one alert a minute.
            return false;
        }
        BigDecimal percent = state.percent();
        return switch (a.kind()) {
            // Back under the level it fired at: the limit was raised (or a sliding window moved on).
            case THRESHOLD -> percent.compareTo(BigDecimal.valueOf(a.threshold())) < 0;
            case EXCEEDED -> a.percent() != null && percent.compareTo(a.percent().min(BigDecimal.valueOf(100))) < 0;
            case FORECAST -> Forecast.exhaustion(AlertPeriods.of(customer, limit, now).period(), state.used(),
                    limit.amount(), now, rule).isEmpty() && state.used().compareTo(limit.amount()) < 0;
            default -> false;
        };
    }
}
