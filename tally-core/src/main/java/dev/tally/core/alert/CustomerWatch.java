package dev.tally.core.alert;

import dev.tally.core.bounds.Bounds;
import dev.tally.core.customer.Customer;
import dev.tally.core.counter.CounterState;
import dev.tally.core.counter.CounterStates;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.limit.Limit;
import dev.tally.core.money.Money;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Everything the engine remembers of one customer: a {@link LimitWatch} per limit, the {@link SpikeWatch}, this
 * billing month's cost, and the unpriced models already reported this month. All of it is guarded by this object's
 * monitor, so the decision "this event crossed the level" is made once per level even when events of the customer
 * are counted on several threads.
 */
final class CustomerWatch {
    private static final int MAX_IDENTITIES = 256;
    private final AlertSettings settings;
    private final SpikeWatch spike;
    private final NewAlerts alerts;
    private final Map<Limit.LimitKey, LimitWatch> limits = new HashMap<>();
    /**
     * The same watches by the identity of the catalog's limit objects, which stay the same until the catalog is
     * written: the per-event lookup is then one identity hash, without building a key or comparing limits.
     */
    private final Map<Limit, LimitWatch> byIdentity = new IdentityHashMap<>();
    /** The {@code per} limits' watches, by limit key (few per customer: no identity map needed). */
    private final Map<Limit.LimitKey, PerLimitWatches> perLimits = new HashMap<>();
    private Customer customer;
    private AlertPeriods.Keyed month;
    private long costNanos;
    private boolean costFired;
    private final Set<String> unpricedSeen = new HashSet<>();

    /** @param seededCostNanos the customer's cost so far in its current billing month, from the rollups */
    CustomerWatch(AlertSettings settings, long seededCostNanos, NewAlerts alerts) {
        this.settings = settings;
        this.alerts = alerts;
        this.spike = new SpikeWatch(settings.spike(), alerts);
        this.costNanos = seededCostNanos;
    }

    /**
     * Evaluates a counted event and adds the alerts it fires to {@code out}.
     *
     * @return the change of this customer's current-month cost, for the global cost: the event's cost, minus the
     *         previous month's total when a new month began
     */
    long recorded(Customer c, LedgerEntry entry, List<Limit> matched, List<CounterState> states, Instant now,
                  List<Alert> out) {
        long costDelta = rollMonth(c, now);
        for (int i = 0; i < matched.size(); i++) {
            Limit limit = matched.get(i);
            if (limit.per() == null) {
                watch(limit).recorded(c, used(states, i), now, settings.forecast(), out);
            } else {
                UsageEvent e = entry.event();
                perWatch(limit).recorded(c, limit.perValue(e.user(), e.dimensions()), used(states, i), now,
                        settings.forecast(), out);
            }
        }
        spike.request(c, now, out);
        if (month.period().contains(entry.event().timestamp())) {
            costNanos = Bounds.saturatedSum(costNanos, entry.cost().nanos());
            costDelta += entry.cost().nanos();
            Money amount = settings.cost().amountFor(c.id());
            if (amount != null && !costFired && costNanos >= amount.nanos()) {
                costFired = true;
                out.add(alerts.cost(c, Money.ofNanos(costNanos), amount, month.key(), now));
            }
        }
        if (entry.isUnpriced()) {
            UsageEvent e = entry.event();
            String subject = e.provider() + "/" + (e.model() == null ? "(no model)" : e.model());
            if (unpricedSeen.add(subject)) {
                out.add(alerts.unpriced(c, subject, entry.unpricedMetrics(), month.key(), now));
            }
        }
        return costDelta;
    }

    /** The used amount of state {@code i}, read from the packed states without making a record when they are. */
    private static long used(List<CounterState> states, int i) {
        return states instanceof CounterStates packed ? packed.used(i) : states.get(i).used();
    }

    /**
     * The limits among {@code matched} whose calendar window containing {@code now} begins after {@code eventTime}:
     * usage recorded late, which {@link LatePeriods} judges in its own window. Limits on end users are left out (late
     * usage is judged from the customer's rollups, which do not measure them). Empty, without allocating, when the
     * event is in the current windows (the usual case).
     */
    List<Limit> late(Customer c, List<Limit> matched, Instant eventTime, Instant now) {
        List<Limit> late = List.of();
        for (int i = 0; i < matched.size(); i++) { // by index: the enforcer's list is a read-only view
            Limit limit = matched.get(i);
            if (!limit.isEndUserScoped() && watch(limit).isLate(c, eventTime, now)) {
                if (late.isEmpty()) {
                    late = new ArrayList<>(matched.size());
                }
                late.add(limit);
            }
        }
        return late;
    }

    /**
     * A correction moved the counters of {@code matched} (a {@code per} limit's counter of the user or value in
     * {@code perValues}) to {@code states}: fires the levels they now reach, as an event's counting would. Counts no
     * request and no cost (the month's cost follows through {@link #adjusted}).
     */
    void corrected(Customer c, List<Limit> matched, List<String> perValues, List<CounterState> states, Instant now,
                   List<Alert> out) {
        rollMonth(c, now);
        for (int i = 0; i < matched.size(); i++) {
            Limit limit = matched.get(i);
            if (limit.per() == null) {
                watch(limit).recorded(c, used(states, i), now, settings.forecast(), out);
            } else {
                perWatch(limit).recorded(c, perValues.get(i), used(states, i), now, settings.forecast(), out);
            }
        }
    }

    /**
     * An adjustment of {@code costDeltaNanos} to the current billing month's cost; fires the cost alert if it crosses
     * the amount, as an event's cost would.
     *
     * @return the change of this customer's current-month cost, for the global cost
     */
    long adjusted(Customer c, long costDeltaNanos, Instant now, List<Alert> out) {
        long delta = rollMonth(c, now) + costDeltaNanos;
        costNanos += costDeltaNanos;
        Money amount = settings.cost().amountFor(c.id());
        if (amount != null && !costFired && costNanos >= amount.nanos()) {
            costFired = true;
            out.add(alerts.cost(c, Money.ofNanos(costNanos), amount, month.key(), now));
        }
        return delta;
    }

    /** Whether {@code t} is in this customer's current billing month as the watch counts it. */
    boolean inCurrentMonth(Customer c, Instant t, Instant now) {
        rollMonth(c, now);
        return month.period().contains(t);
    }

    /**
     * A hard limit denied a call.
     *
     * @param perValue for a {@code per} limit, the user or dimension value whose counter denied; else null
     */
    void denied(Customer c, Limit limit, String perValue, CounterState state, Instant now, List<Alert> out) {
        rollMonth(c, now);
        if (limit.per() == null) {
            watch(limit).denied(c, state, now, out);
        } else {
            perWatch(limit).denied(c, perValue, state, now, out);
        }
    }

    /** Forgets that {@code alert} fired, so that its key may fire again (it was resolved). */
    void forget(Alert alert) {
        switch (alert.kind()) {
            case THRESHOLD, EXCEEDED, FORECAST -> {
                if (alert.perValue() != null) {
                    perLimits.values().stream().filter(w -> w.limit().name().equals(alert.limit()))
                            .forEach(w -> w.forget(alert.perValue()));
                    return;
                }
                limits.values().removeIf(w -> w.limit().name().equals(alert.limit()));
                byIdentity.values().removeIf(w -> w.limit().name().equals(alert.limit()));
            }
            case COST -> costFired = false;
            case UNPRICED -> unpricedSeen.remove(alert.limit());
            case RATE_SPIKE -> spike.forget();
        }
    }

    /** This customer's cost in its current billing month, as counted here. */
    long costNanos() {
        return costNanos;
    }

    private LimitWatch watch(Limit limit) {
        LimitWatch w = byIdentity.get(limit);
        if (w != null) {
            return w;
        }
        w = limits.get(limit.key());
        // A changed limit (raised, new thresholds) starts afresh; the store still keeps open alerts from repeating.
        if (w == null || !w.limit().equals(limit)) {
            w = new LimitWatch(limit, alerts);
            limits.put(limit.key(), w);
        }
        if (byIdentity.size() >= MAX_IDENTITIES) {
            // Catalog writes leave old limit objects behind; start over rather than keep them.
            byIdentity.clear();
        }
        byIdentity.put(limit, w);
        return w;
    }

    private PerLimitWatches perWatch(Limit limit) {
        PerLimitWatches w = perLimits.get(limit.key());
        // A changed limit (raised, new thresholds) starts afresh, as for the customer's limits.
        if (w == null || !w.limit().equals(limit)) {
            w = new PerLimitWatches(limit, alerts);
            perLimits.put(limit.key(), w);
        }
        return w;
    }

    /** Starts a new billing month (cost and unpriced models) when {@code now} left the last one. */
    private long rollMonth(Customer c, Instant now) {
        if (c != customer) {
            // The catalog replaced the customer (zone, billing day, limits may differ): recompute its periods.
            customer = c;
            month = null;
        }
        if (month != null && month.period().contains(now)) {
            return 0;
        }
        AlertPeriods.Keyed next = AlertPeriods.month(c, now);
        long delta = 0;
        if (month != null && !next.key().equals(month.key())) {
            delta = -costNanos;
            costNanos = 0;
            costFired = false;
            unpricedSeen.clear();
        }
        month = next;
        return delta;
    }
}
