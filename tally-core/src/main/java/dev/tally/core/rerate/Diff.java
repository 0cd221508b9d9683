package dev.tally.core.rerate;

import dev.tally.core.event.LedgerEntry;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.pricing.EventPricer.PricedCost;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One customer's diff, summed page by page: per provider and model, and the cost changes by series and day for the
 * counters. Memory is bounded by the customer's models and series-days, never by its events (ids are kept up to
 * {@link Rerater#MAX_IDS} per line).
 */
final class Diff {
    private final String customerId;
    /** Events from here on are kept by minute too: the minute and hour windows that may count them. */
    private final Instant recentFrom;
    private final Map<String, Line> lines = new TreeMap<>();
    private final Map<List<Object>, long[]> deltas = new HashMap<>();

    /** @param now when the re-rating began: its events of the hour before keep their minute */
    Diff(String customerId, Instant now) {
        this.customerId = customerId;
        this.recentFrom = now.minus(java.time.Duration.ofHours(1));
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
