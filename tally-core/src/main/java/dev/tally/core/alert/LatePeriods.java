package dev.tally.core.alert;

import dev.tally.core.customer.Customer;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitUsage;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.store.UsageStore;

import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Alerts of usage recorded late: an event whose time lies in an earlier calendar window of a day or month limit
 * (an import of last month, a replay of yesterday) is judged in THAT window, whose usage is read from the rollups,
 * and its alerts carry that window's period and say which it is (issue 15.3). The counters behind the live
 * evaluation hold only the current window, so without this such usage raised nothing, even at 104% of a limit.
 *
 * <p>Cost: a check reads one limit's rollups of one window. Checks run on the engine's thread, and while one is
 * waiting, more late events of the same (customer, limit, window) add nothing: an import of thousands of events of
 * last month costs a few reads. Each level fires once per window on this node (the marks are bounded); the store's
 * "one open alert per key" holds across nodes. Such alerts resolve at the next sweep, as their period is over; they
 * stay in the alert list and their notifications went out.
 */
final class LatePeriods {
    private static final int MAX_MARKS = 10_000;
    private final UsageStore usage;
    private final NewAlerts alerts;
    private final Set<String> waiting = ConcurrentHashMap.newKeySet();
    private final Set<String> fired = Collections.synchronizedSet(Collections.newSetFromMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > MAX_MARKS;
                }
            }));

    LatePeriods(UsageStore usage, NewAlerts alerts) {
        this.usage = usage;
        this.alerts = alerts;
    }

    /**
     * Claims the check of the window of {@code limit} containing {@code eventTime}.
     *
     * @return the claim's key, or null when a check of that window is already waiting
     */
    String claim(Customer c, Limit limit, Instant eventTime) {
        String key = c.id() + "|" + limit.name() + "|" + AlertPeriods.of(c, limit, eventTime).key();
        return waiting.add(key) ? key : null;
    }

    /**
     * Releases {@code key} and judges the window: the alerts its usage fires that have not fired yet. Later late
     * events of the window claim a new check, so none is missed.
     */
    List<Alert> check(String key, Customer c, Limit limit, Instant eventTime, Instant now) {
        return check(key, c, limit, eventTime, now, "recorded late");
    }

    /** Like {@link #check(String, Customer, Limit, Instant, Instant)}, saying why the window is judged now. */
    List<Alert> check(String key, Customer c, Limit limit, Instant eventTime, Instant now, String why) {
        waiting.remove(key);
        AlertPeriods.Keyed window = AlertPeriods.of(c, limit, eventTime);
        long amountRaw = LimitUsage.rawAmount(limit);
        if (amountRaw < 0) {
            return List.of();
        }
        long used = LimitUsage.usedRaw(limit,
                usage.rollups(c.id(), limit.window(), window.period().start(), window.period().end()));
        String which = " (" + why + ", in " + describe(c, limit.window(), window.period()) + ")";
        List<Alert> out = new ArrayList<>();
        for (int threshold : limit.thresholds()) {
            if (used >= LimitWatch.levelRaw(amountRaw, threshold) && fired.add(key + "|" + threshold)) {
                out.add(late(alerts.threshold(c, limit, threshold, used, window.key(), now), which));
            }
        }
        if (used > amountRaw && fired.add(key + "|over")) {
            out.add(late(alerts.over(c, limit, used, window.key(), now), which));
        }
        return out;
    }

    /** Forgets a mark once its alert resolved by a person, so the window may fire again. */
    void forget(Alert alert) {
        String prefix = alert.customer() + "|" + alert.limit() + "|" + alert.period() + "|";
        fired.remove(prefix + (alert.threshold() == null ? "over" : alert.threshold()));
    }

    /** The window in words: "the billing month 2026-10-01 to 2026-10-31" or "the day 2026-11-21". */
    static String describe(Customer c, Window window, Period period) {
        LocalDate first = LocalDate.ofInstant(period.start(), c.zone());
        LocalDate last = LocalDate.ofInstant(period.end().minusNanos(1), c.zone());
        return window == Window.MONTH ? "the billing month " + first + " to " + last : "the day " + first;
    }

    /** {@code a} with {@code which} (why it fired now, in words) added to its message. */
    static Alert late(Alert a, String which) {
        return new Alert(a.id(), a.customer(), a.kind(), a.limit(), a.threshold(), a.percent(), a.message() + which,
                a.period(), a.state(), a.createdAt(), a.updatedAt(), a.acknowledgedBy(), a.acknowledgedAt(),
                a.resolvedBy(), a.resolvedAt(), a.perValue());
    }
}
