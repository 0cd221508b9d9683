package dev.tally.server.http;

import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.event.EndUsers;
import dev.tally.core.limit.Limit;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.limit.LimitState;
import dev.tally.core.limit.LimitStatus;
import dev.tally.core.metric.Metrics;
import dev.tally.core.period.Period;
import dev.tally.core.period.Window;
import dev.tally.core.rollup.EndUserTotals;
import dev.tally.core.rollup.EndUserUsage;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Limits on end users and dimensions measured from a month's sums by user and by dimension value rather than from
 * the enforcement counters, for a month other than the current one (whose counters hold only the current windows).
 *
 * <p>Those sums hold requests, tokens (input + output + cached + cache writes, as a {@code tokens} limit counts) and
 * cost of every event with a user or dimensions, by user and by value of each key separately, per billing month.
 * So they measure exactly a {@code month} limit on one of those metrics without {@code provider}, {@code model} or
 * {@code endpoint} filters, that restricts by one thing at most: {@code per: "user"}, {@code per: "dimensions.KEY"},
 * a {@code user}, or one {@code dimensions} pair. A user (or value) summed under {@code "(other)"} in its month has
 * no sums of its own: zero here, which the row's {@code truncated} says.
 */
final class PastMonthEndUserLimits {
    private PastMonthEndUserLimits() {
    }

    /** Whether the month's sums by user and dimension value measure {@code limit} exactly. */
    static boolean measures(Limit limit) {
        if (!limit.isEndUserScoped() || limit.window() != Window.MONTH || limit.provider() != null
                || limit.model() != null || limit.endpoint() != null) {
            return false;
        }
        String metric = limit.metric();
        if (!metric.equals(Metrics.REQUESTS) && !metric.equals(Metrics.TOKENS) && !metric.equals(Metrics.COST)) {
            return false;
        }
        int restrictions = (limit.per() != null ? 1 : 0) + (limit.user() != null ? 1 : 0)
                + limit.dimensions().size();
        return restrictions == 1;
    }

    /** The state of a limit without {@code per} (on one user, or one dimension pair) over {@code period}. */
    static LimitState state(Limit limit, Period period, EndUserUsage month) {
        EndUserTotals totals;
        if (limit.user() != null) {
            totals = find(month.users(), limit.user());
        } else {
            Map.Entry<String, String> pair = limit.dimensions().entrySet().iterator().next();
            totals = find(month.dimensions().getOrDefault(pair.getKey(), List.of()), pair.getValue());
        }
        return LimitState.of(limit, period, used(limit, totals));
    }

    /** The states of a {@code per} limit's {@code values} (users, or values of its key) over {@code period}. */
    static List<LimitDecision> states(Limit limit, Period period, EndUserUsage month, List<String> values) {
        List<EndUserTotals> all = Limit.PER_USER.equals(limit.per()) ? month.users()
                : month.dimensions().getOrDefault(limit.perDimensionKey(), List.of());
        Map<String, EndUserTotals> byName = new HashMap<>();
        all.forEach(t -> byName.put(t.name(), t));
        byName.remove(EndUsers.OTHER);
        List<LimitDecision> states = new ArrayList<>(values.size());
        for (String value : values) {
            states.add(decision(limit, period, byName.get(value), value));
        }
        return states;
    }

    /**
     * One end user's own limits over {@code period} that the month's sums measure: each {@code per: "user"} limit
     * (the user's counter, {@code per_value} the user) and each limit on this user alone, from {@code totals}, the
     * user's sums of that month. The enforcement counters would answer their current windows instead.
     */
    static List<LimitDecision> userStates(List<Limit> limits, Period period, String user, EndUserTotals totals) {
        // A user summed under "(other)" has no sums of its own, and "(other)" is no user's name.
        EndUserTotals own = user.equals(EndUsers.OTHER) ? null : totals;
        List<LimitDecision> states = new ArrayList<>();
        for (Limit limit : limits) {
            boolean perUser = Limit.PER_USER.equals(limit.per());
            if ((perUser || user.equals(limit.user()) && limit.per() == null) && measures(limit)) {
                states.add(decision(limit, period, own, perUser ? user : null));
            }
        }
        return states;
    }

    /** The state of {@code limit} at {@code totals} (null: none), as a decision holding nothing. */
    private static LimitDecision decision(Limit limit, Period period, EndUserTotals totals, String perValue) {
        LimitState state = LimitState.of(limit, period, used(limit, totals));
        return new LimitDecision(state, limit.unit().toDecimal(0), state.status() != LimitStatus.EXCEEDED,
                limit.mode() == LimitMode.HARD, perValue);
    }

    private static EndUserTotals find(List<EndUserTotals> all, String name) {
        if (name.equals(EndUsers.OTHER)) {
            return null;
        }
        for (EndUserTotals t : all) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        return null;
    }

    private static BigDecimal used(Limit limit, EndUserTotals t) {
        if (t == null) {
            return limit.unit().toDecimal(0);
        }
        return switch (limit.metric()) {
            case Metrics.REQUESTS -> limit.unit().toDecimal(t.requests());
            case Metrics.TOKENS -> limit.unit().toDecimal(t.tokensMicros());
            default -> limit.unit().toDecimal(t.costNanos());
        };
    }
}
