package dev.tally.core.alert;

import dev.tally.core.counter.CounterState;
import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitUsage;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the engine remembers of one {@code per} limit of one customer in the current period: a {@link LimitWatch}
 * for each end user (or dimension value) whose own counter reached the limit's first alert level, so each user's
 * levels fire once per period, each alert naming the user. Users below the first level cost nothing here; all are
 * forgotten when the period turns, so the memory follows the users that reached a level this period. Not
 * thread-safe: guarded by the {@link CustomerWatch}'s monitor.
 */
final class PerLimitWatches {
    private final Limit limit;
    private final NewAlerts alerts;
    /** The lowest raw usage that fires anything: the first threshold's level, or going over the amount. */
    private final long firstLevelRaw;
    private final Map<String, LimitWatch> byValue = new HashMap<>();
    private AlertPeriods.Keyed period;

    PerLimitWatches(Limit limit, NewAlerts alerts) {
        this.limit = limit;
        this.alerts = alerts;
        long amountRaw = LimitUsage.rawAmount(limit);
        long first = amountRaw < 0 ? Long.MAX_VALUE : amountRaw == Long.MAX_VALUE ? amountRaw : amountRaw + 1;
        if (amountRaw >= 0) {
            for (int threshold : limit.thresholds()) {
                first = Math.min(first, LimitWatch.levelRaw(amountRaw, threshold));
            }
        }
        this.firstLevelRaw = first;
    }

    Limit limit() {
        return limit;
    }

    /** Counts an event of {@code value} (null: the event has no such user or value) on its counter, now at {@code used}. */
    void recorded(Customer c, String value, long used, Instant now, AlertSettings.ForecastRule rule,
                  List<Alert> out) {
        roll(c, now);
        if (value == null) {
            return;
        }
        LimitWatch w = byValue.get(value);
        if (w == null) {
            if (used < firstLevelRaw) {
                return;
            }
            w = new LimitWatch(limit, alerts, value);
            byValue.put(value, w);
        }
        w.recorded(c, used, now, rule, out);
    }

    /** A call of {@code value} was denied by this limit: one {@code exceeded} alert per value and period. */
    void denied(Customer c, String value, CounterState state, Instant now, List<Alert> out) {
        roll(c, now);
        if (value != null) {
            byValue.computeIfAbsent(value, v -> new LimitWatch(limit, alerts, v)).denied(c, state, now, out);
        }
    }

    /** Forgets the levels {@code value} fired (its alert resolved), so they may fire again. */
    void forget(String value) {
        byValue.remove(value);
    }

    private void roll(Customer c, Instant now) {
        if (period == null || !period.period().contains(now)) {
            period = AlertPeriods.of(c, limit, now);
            byValue.clear();
        }
    }
}
