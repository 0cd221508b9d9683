package dev.tally.core.rerate;

import dev.tally.core.customer.Customer;
import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.limit.Limit;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.pricing.EventPricer.PricedCost;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One customer's diff, summed page by page: per provider and model, the cost changes by series and day for the
 * counters, and the cost changes of each cost limit on end users or dimensions by user or value.
 *
 * <p>Memory is bounded by the customer's models and series-days, never by its events (ids are kept up to
 * {@link Rerater#MAX_IDS} per line). The end users' changes are kept only for cost limits on end users or dimensions
 * that exist, and only for events in such a limit's current window: one sum per limit and user (or value) for a day
 * or month window, per limit, user and minute for a minute or hour window (at most 60). So they number at most the
 * users or values that the enforcing counters of those limits already hold for their current windows (one counter
 * each, see {@code UserCounters}), times the minutes of an hour window: about 100 bytes each, nothing for a customer
 * without such limits, nothing for a past month.
 */
final class Diff {
    private static final java.time.Duration HOUR = java.time.Duration.ofHours(1);
    private final String customerId;
    /** Events from here on are kept by minute too: the minute and hour windows that may count them. */
    private final Instant recentFrom;
    private final Map<String, Line> lines = new TreeMap<>();
    private final Map<List<Object>, long[]> deltas = new HashMap<>();
    /** The customer's cost limits on end users or dimensions, and the window each counts now. */
    private final List<Limit> endUserLimits;
    private final Period[] endUserWindows;
    private final Map<EndUserKey, long[]> endUserDeltas = new HashMap<>();

    /** Which counter of which end-user limit a change moves, and where it lies ({@link EndUserCostDelta#at}). */
    private record EndUserKey(int limit, String value, Instant at) {
    }

    /**
     * @param endUserLimits the customer's cost limits on end users or dimensions, whose counters follow the changes
     * @param now           when the re-rating began: the limits' current windows, and its events of the hour
     *                      before keep their minute
     */
    Diff(Customer customer, List<Limit> endUserLimits, Instant now) {
        this.customerId = customer.id();
        this.recentFrom = now.minus(HOUR);
        this.endUserLimits = List.copyOf(endUserLimits);
        this.endUserWindows = new Period[endUserLimits.size()];
        for (int j = 0; j < endUserWindows.length; j++) {
            Window w = endUserLimits.get(j).window();
            endUserWindows[j] = w == Window.DAY || w == Window.MONTH
                    ? w.periodAt(customer.zone(), customer.billingDay(), now)
                    // A sliding window counts the last minute or hour before now, by the minute.
                    : new Period(now.minus(w == Window.MINUTE ? java.time.Duration.ofMinutes(1) : HOUR)
                    .truncatedTo(java.time.temporal.ChronoUnit.MINUTES), now.plus(HOUR));
        }
    }

    /** The key of a provider and model; the unit separator cannot occur in either. */
    static String key(String provider, String model) {
        return (provider == null ? "" : provider) + '\u001f' + (model == null ? "" : model);
    }

    private static final class Line {
        long events;
        long changed;
        long before;
        long after;
        long newlyPriced;
        long stillUnpriced;
        final List<String> ids = new ArrayList<>();
    }

    void page(List<LedgerEntry> entries, List<PricedCost> repriced) {
        for (int i = 0; i < entries.size(); i++) {
            LedgerEntry entry = entries.get(i);
            PricedCost now = repriced.get(i);
            UsageEvent e = entry.event();
            Line line = lines.computeIfAbsent(key(e.provider(), e.model()), k -> new Line());
            line.events++;
            line.before += entry.cost().nanos();
            line.after += now.cost().nanos();
            if (now.isUnpriced()) {
                line.stillUnpriced++;
            } else if (entry.isUnpriced()) {
                line.newlyPriced++;
            }
            if (Rerater.changed(entry, now)) {
                line.changed++;
                if (line.ids.size() < Rerater.MAX_IDS) {
                    line.ids.add(e.id());
                }
                long delta = now.cost().nanos() - entry.cost().nanos();
                if (delta != 0) {
                    // A UTC minute lies within one minute and one hour of every zone (offsets are whole minutes).
                    Instant minute = e.timestamp().isBefore(recentFrom) ? null
                            : e.timestamp().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
                    List<Object> k = java.util.Arrays.asList(e.provider(), e.model(), e.endpoint(),
                            entry.buckets().day(), entry.buckets().month(), minute);
                    deltas.computeIfAbsent(k, x -> new long[1])[0] += delta;
                    if (!endUserLimits.isEmpty()) {
                        endUser(e, delta);
                    }
                }
            }
        }
    }

    /** The lines, with the events the summaries count beyond those walked (past retention). */
    List<RerateLine> lines(Map<String, Long> summarized) {
        Map<String, Line> all = new TreeMap<>(lines);
        summarized.keySet().forEach(k -> all.computeIfAbsent(k, x -> new Line()));
        List<RerateLine> out = new ArrayList<>();
        all.forEach((k, l) -> {
            String[] parts = k.split("\u001f", -1);
            long gone = Math.max(0, summarized.getOrDefault(k, 0L) - l.events);
            if (l.events > 0 || gone > 0) {
                out.add(new RerateLine(customerId, parts[0], parts[1], l.events, l.changed, l.before, l.after,
                        l.newlyPriced, l.stillUnpriced, l.ids, gone));
            }
        });
        return out;
    }

    /** Adds an event's cost change to the counter of every end-user cost limit that counts it now. */
    private void endUser(UsageEvent e, long delta) {
        for (int j = 0; j < endUserWindows.length; j++) {
            Limit limit = endUserLimits.get(j);
            Period window = endUserWindows[j];
            if (!window.contains(e.timestamp()) || !limit.matches(e.provider(), e.model(), e.endpoint())
                    || !limit.matchesEndUser(e.user(), e.dimensions())) {
                continue;
            }
            boolean calendar = limit.window() == Window.DAY || limit.window() == Window.MONTH;
            Instant at = calendar ? window.start() : e.timestamp().truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
            endUserDeltas.computeIfAbsent(new EndUserKey(j, limit.perValue(e.user(), e.dimensions()), at),
                    k -> new long[1])[0] += delta;
        }
    }

    /** The cost changes of the end-user cost limits' counters. */
    List<EndUserCostDelta> endUserDeltas() {
        List<EndUserCostDelta> out = new ArrayList<>(endUserDeltas.size());
        endUserDeltas.forEach((k, v) -> {
            if (v[0] != 0) {
                out.add(new EndUserCostDelta(customerId, endUserLimits.get(k.limit()), k.value(), k.at(), v[0]));
            }
        });
        return out;
    }

    List<CostDelta> deltas() {
        List<CostDelta> out = new ArrayList<>();
        deltas.forEach((k, v) -> {
            if (v[0] != 0) {
                out.add(new CostDelta(customerId, (String) k.get(0), (String) k.get(1), (String) k.get(2),
                        (Instant) k.get(3), (Instant) k.get(4), (Instant) k.get(5), v[0]));
            }
        });
        return out;
    }
}
