package dev.tally.core.alert;

import dev.tally.core.customer.Customer;
import dev.tally.core.counter.CounterState;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.limit.LimitUsage;

import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

/**
 * What the engine remembers of one limit of one customer in the current period: the raw amount of each threshold
 * and which have fired, whether it went over, and when to look at the forecast next. Per event the work is a
 * comparison of the counter with the next threshold's raw amount; alerts are built only when one is crossed. Not
 * thread-safe: guarded by the {@link CustomerWatch}'s monitor.
 */
final class LimitWatch {
    private final Limit limit;
    private final NewAlerts alerts;
    /** For a {@code per} limit, the user or dimension value whose counter this watches; null for the customer's. */
    private final String perValue;
    private final long amountRaw;
    private final long[] thresholdRaw;
    private AlertPeriods.Keyed period;
    private int next;
    private boolean over;
    private boolean forecastFired;
    private long nextForecastMs;
    /** The calendar window containing the last {@code now} of {@link #isLate}, in the zone of {@link #windowOf}. */
    private Period window;
    private Customer windowOf;

    LimitWatch(Limit limit) {
        this(limit, NewAlerts.BUILT_IN);
    }

    LimitWatch(Limit limit, NewAlerts alerts) {
        this(limit, alerts, null);
    }

    /** @param perValue for a {@code per} limit, the user or dimension value whose counter this watches */
    LimitWatch(Limit limit, NewAlerts alerts, String perValue) {
        this.limit = limit;
        this.alerts = alerts;
        this.perValue = perValue;
        this.amountRaw = LimitUsage.rawAmount(limit);
        List<Integer> thresholds = limit.thresholds();
        this.thresholdRaw = new long[amountRaw < 0 ? 0 : thresholds.size()];
        for (int i = 0; i < thresholdRaw.length; i++) {
            thresholdRaw[i] = levelRaw(amountRaw, thresholds.get(i));
        }
    }

    /**
     * The raw usage at which {@code percent} of {@code amountRaw} is reached: the ceiling, and at least 1 (a level is
     * crossed by using at least that share, never by using nothing). Split so that large amounts (a trillion tokens
     * is 10^18 micros) do not overflow; a level beyond {@code long} is never reached.
     */
    static long levelRaw(long amountRaw, int percent) {
        try {
            long whole = Math.multiplyExact(amountRaw / 100, (long) percent);
            long part = -Math.floorDiv(-(amountRaw % 100) * percent, 100L);
            return Math.max(1, Math.addExact(whole, part));
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    Limit limit() {
        return limit;
    }

    /**
     * Counts an event's effect on the counter, now at {@code used} (raw), and adds the alerts it fires to
     * {@code out}. Takes the number, not a {@link CounterState}: the enforcer's states are packed, and making a record
     * per limit and event only to read one field was a tenth of the ingesting threads' allocation.
     */
    void recorded(Customer c, long used, Instant now, AlertSettings.ForecastRule rule, List<Alert> out) {
        roll(c, now);
        while (next < thresholdRaw.length && used >= thresholdRaw[next]) {
            out.add(alerts.threshold(c, limit, perValue, limit.thresholds().get(next), used, period.key(), now));
            next++;
        }
        if (!over && amountRaw >= 0 && used > amountRaw) {
            over = true;
            out.add(alerts.over(c, limit, perValue, used, period.key(), now));
        }
        // Forecasts are of the customer's month; one user's pace is not forecast.
        if (perValue == null && limit.window() == Window.MONTH && !forecastFired && amountRaw > 0 && now.toEpochMilli() >= nextForecastMs) {
            nextForecastMs = now.toEpochMilli() + rule.checkEvery().toMillis();
            Optional<Instant> at = Forecast.exhaustion(period.period(), limit.unit().toDecimal(used),
                    limit.amount(), now, rule);
            if (at.isPresent()) {
                forecastFired = true;
                out.add(alerts.forecast(c, limit, used, LocalDate.ofInstant(at.get(), c.zone()), period.key(),
                        now));
            }
        }
    }

    /** A call was denied by this limit: one {@code exceeded} alert per period. */
    void denied(Customer c, CounterState state, Instant now, List<Alert> out) {
        roll(c, now);
        if (!over) {
            over = true;
            out.add(alerts.denied(c, limit, perValue, state.used(), period.key(), now));
        }
    }

    /**
     * Whether {@code eventTime} lies before the calendar window of this limit that contains {@code now} (for
     * {@link LatePeriods}; always false for a sliding window). The window is kept while {@code now} stays in it and
     * the customer object is the same (a new one may have another zone or billing day): computing it per event, in
     * the customer's zone, was the largest part of evaluating alerts.
     */
    boolean isLate(Customer c, Instant eventTime, Instant now) {
        if (AlertPeriods.sliding(limit.window())) {
            return false; // sliding windows are judged by the UTC hour the event is counted in
        }
        if (windowOf != c || !window.contains(now)) {
            window = limit.window().periodAt(c.zone(), c.billingDay(), now);
            windowOf = c;
        }
        return eventTime.isBefore(window.start());
    }

    /** Starts afresh when the period of {@code now} is a new one. */
    private void roll(Customer c, Instant now) {
        if (period == null || !period.period().contains(now)) {
            period = AlertPeriods.of(c, limit, now);
            next = 0;
            over = false;
            forecastFired = false;
            nextForecastMs = 0;
        }
    }
}
