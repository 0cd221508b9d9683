package dev.tally.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.enforce.EndUserLimitStates;
import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.event.EndUsers;
import dev.tally.core.event.EventQuery;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitState;
import dev.tally.core.period.Period;
import dev.tally.core.rollup.EndUserTotals;
import dev.tally.core.rollup.EndUserUsage;
import dev.tally.core.store.UsageStore;
import dev.tally.server.json.LimitJson;
import dev.tally.server.json.UsageJson;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The rows of a customer's {@code limits} that its rollups cannot measure, read from the enforcement counters: a
 * limit on one end user or on dimensions (its one counter), and a {@code per} limit summed up over the billing
 * month's most active users (or values of its key): how many are at 50, 80 and 100 % and the nearest ones.
 *
 * <p>A {@code per} row keeps the shape of every limit row: its {@code used}, {@code remaining}, {@code percent} and
 * {@code status} are those of the user (or value) nearest to the amount, named by {@code per_value}; {@code users}
 * (or {@code values}) counts those read and how many stand at each level, {@code truncated} saying that not every
 * user of the month was read; {@code nearest} lists the closest ones.
 */
final class EndUserLimitRows {
    /** Of a month's users (or a key's values), the most active ones whose counters a report reads. */
    static final int REPORT_CHECKED = 1_000;
    /** The same for each customer of the overview, which reads a page of customers at once. */
    static final int OVERVIEW_CHECKED = 100;
    /** Nearest users (or values) listed per limit. */
    static final int NEAREST = 5;
    /** A user's most recent calls in a {@code per: dimensions.KEY} limit's window whose values its usage shows. */
    static final int USER_CALLS_READ = 500;

    private final EndUserLimitStates states;
    private final UsageStore store;
    private final UsageJson usageJson;

    EndUserLimitRows(EndUserLimitStates states, UsageStore store, UsageJson usageJson) {
        this.states = states;
        this.store = store;
        this.usageJson = usageJson;
    }

    /** Appends to {@code limits} a row per limit on end users or dimensions of the customer. */
    void append(ArrayNode limits, String customerId, EndUserUsage month, int checked) {
        Function<Limit, Collection<String>> candidates = limit -> candidates(limit, month, checked);
        for (EndUserLimitStates.Summary s : states.of(customerId, candidates, NEAREST)) {
            appendSummary(limits, s, month, checked);
        }
    }

    /**
     * Appends to {@code limits} the rows of another month than the current one (past or future) of the customer's
     * limits on end users and dimensions that {@code month}'s sums by user and by dimension value measure exactly
     * ({@link PastMonthEndUserLimits#measures}): {@code month} limits on requests, tokens or cost. A {@code per}
     * limit is summed up over the month's {@code checked} most active users or values as in the current month.
     * The others are left out: the counters hold the current windows only, and no stored sum has them.
     */
    void appendMonth(ArrayNode limits, List<Limit> customerLimits, Period period, EndUserUsage month, int checked) {
        for (Limit limit : customerLimits) {
            if (!PastMonthEndUserLimits.measures(limit)) {
                continue;
            }
            if (limit.per() == null) {
                usageJson.limit(limits.addObject(), PastMonthEndUserLimits.state(limit, period, month));
                continue;
            }
            List<LimitDecision> values = PastMonthEndUserLimits.states(limit, period, month,
                    candidates(limit, month, checked));
            LimitState none = LimitState.of(limit, period, limit.unit().toDecimal(0));
            appendSummary(limits, EndUserLimitStates.summarize(none, values, NEAREST), month, checked);
        }
    }

    private void appendSummary(ArrayNode limits, EndUserLimitStates.Summary s, EndUserUsage month, int checked) {
        ObjectNode row = limits.addObject();
        usageJson.limit(row, s.state());
        if (!s.isPer()) {
            return;
        }
        boolean byUser = Limit.PER_USER.equals(s.state().limit().per());
        row.put("per_value", s.perValue());
        ObjectNode counts = row.putObject(byUser ? "users" : "values");
        counts.put("checked", s.checked());
        counts.put("warning", s.warning());
        counts.put("critical", s.critical());
        counts.put("exceeded", s.exceeded());
        counts.put("truncated", truncated(s.state().limit(), month, checked));
        ArrayNode nearest = row.putArray("nearest");
        for (LimitDecision d : s.nearest()) {
            ObjectNode n = nearest.addObject();
            n.put(byUser ? "user" : "value", d.perValue());
            putState(n, d);
        }
    }

    /**
     * One end user's rows of {@code per: "dimensions.KEY"} limits: the counter of each value of KEY among the user's
     * {@value #USER_CALLS_READ} most recent calls in the limit's window (sums by user and dimension together are not
     * kept), each marked {@code scope: "customer"}, since every user of that value shares its counter.
     */
    void appendUserDimensions(ArrayNode limits, String customerId, String user) {
        Function<Limit, Collection<String>> none = limit -> List.of();
        for (EndUserLimitStates.Summary s : states.of(customerId, none, 0)) {
            Limit limit = s.state().limit();
            String key = limit.perDimensionKey();
            if (key == null) {
                continue;
            }
            for (LimitDecision d : states.states(customerId, limit, valuesUsed(customerId, user, key, s))) {
                ObjectNode row = limits.addObject();
                usageJson.limit(row, d.state());
                LimitJson.putAmount(row, "reserved", limit.metric(), d.reserved());
                row.put("per_value", d.perValue());
                row.put("scope", "customer");
            }
        }
    }

    private Set<String> valuesUsed(String customerId, String user, String key, EndUserLimitStates.Summary s) {
        EventQuery query = new EventQuery(customerId, s.state().window().start(), s.state().window().end(), null,
                null, null, false, USER_CALLS_READ, null, user, null);
        Set<String> values = new TreeSet<>();
        for (StoredEvent e : store.events(query).events()) {
            String value = e.event().dimensions().get(key);
            if (value != null) {
                values.add(value);
            }
        }
        return values;
    }

    private void putState(ObjectNode row, LimitDecision d) {
        String metric = d.state().limit().metric();
        LimitJson.putAmount(row, "used", metric, d.state().used());
        LimitJson.putAmount(row, "remaining", metric, d.state().remaining());
        if (d.state().percent() == null) {
            row.putNull("percent");
        } else {
            row.put("percent", d.state().percent());
        }
        row.put("status", d.state().status().wireName());
    }

    /** The month's most active users (or values of the limit's key), at most {@code checked}, "(other)" left out. */
    static List<String> candidates(Limit limit, EndUserUsage month, int checked) {
        return kept(limit, month).stream()
                .filter(t -> !t.name().equals(EndUsers.OTHER))
                .sorted(UsageJson.endUserOrder("requests"))
                .limit(checked).map(EndUserTotals::name).toList();
    }

    /** Whether some of the month's users (or values) were not read: past {@code checked}, or under "(other)". */
    private static boolean truncated(Limit limit, EndUserUsage month, int checked) {
        List<EndUserTotals> all = kept(limit, month);
        long named = all.stream().filter(t -> !t.name().equals(EndUsers.OTHER)).count();
        return named > checked || named < all.size();
    }

    private static List<EndUserTotals> kept(Limit limit, EndUserUsage month) {
        if (Limit.PER_USER.equals(limit.per())) {
            return month.users();
        }
        Map<String, List<EndUserTotals>> dims = month.dimensions();
        return dims.getOrDefault(limit.perDimensionKey(), List.of());
    }
}
