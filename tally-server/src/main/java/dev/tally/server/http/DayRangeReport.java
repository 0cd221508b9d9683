package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.customer.Customer;
import dev.tally.core.period.Period;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;
import dev.tally.core.usage.UsageReporter;
import dev.tally.server.json.UsageJson;
import io.javalin.http.Context;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;

/**
 * The usage report of a range of whole days ({@code from}/{@code to} instead of {@code period}): the customer's
 * totals and its top end users and dimension values over those days, read from the day rollups (by user and by
 * dimension value per day in the customer's zone), never from the event log. What the console's and the portal's
 * Today / This week views show.
 *
 * <p>The days are the customer's, as the report's {@code daily} rows are: a date {@code YYYY-MM-DD} names that day in
 * the customer's zone, and a timestamp must fall on the start of one (the sums are kept per day, so a part of a day
 * cannot be answered). {@code from} is inclusive, {@code to} exclusive, as in the event log.
 */
final class DayRangeReport {
    /** The longest range read from day rows; a month has its own sums ({@code period}). */
    static final int MAX_DAYS = 31;

    private final UsageReporter reporter;
    private final UsageStore store;
    private final UsageJson usageJson;
    private final ObjectMapper json;

    DayRangeReport(UsageReporter reporter, UsageStore store, UsageJson usageJson, ObjectMapper json) {
        this.reporter = reporter;
        this.store = store;
        this.usageJson = usageJson;
        this.json = json;
    }

    /** Whether the request asks for a range of days rather than a billing month. */
    static boolean isAsked(Context ctx) {
        return ctx.queryParam("from") != null || ctx.queryParam("to") != null;
    }

    /** Answers the report of the days the request names for {@code customer}. */
    void answer(Context ctx, Customer customer) {
        Period days = range(ctx, customer.zone());
        ObjectNode out = json.createObjectNode();
        out.put("customer", customer.id());
        out.put("plan", customer.planId());
        ObjectNode range = out.putObject("range");
        range.put("from", days.start().toString());
        range.put("to", days.end().toString());
        RollupCounts totals = new RollupCounts();
        for (RollupRow row : reporter.dayRows(customer, days)) {
            totals.add(row.counts());
        }
        UsageJson.totals(out.putObject("totals"), totals);
        usageJson.endUsers(out, store.endUserUsageOfDays(customer.id(), days.start(), days.end()));
        ctx.json(out);
    }

    /** The days {@code [from, to)} of the request, checked: both given, day starts, in order, at most 31 days. */
    static Period range(Context ctx, ZoneId zone) {
        if (ctx.queryParam("period") != null) {
            throw HttpProblem.badRequest("period", "period: give either period or from and to, not both");
        }
        Instant from = dayStart(ctx, "from", zone);
        Instant to = dayStart(ctx, "to", zone);
        if (!from.isBefore(to)) {
            throw HttpProblem.badRequest("to", "to: must be after from (" + from + "), was " + to);
        }
        long days = ChronoUnit.DAYS.between(LocalDate.ofInstant(from, zone), LocalDate.ofInstant(to, zone));
        if (days > MAX_DAYS) {
            throw HttpProblem.badRequest("to", "to: at most " + MAX_DAYS + " days after from, was " + days
                    + " days; use period for a month");
        }
        return new Period(from, to);
    }

    private static Instant dayStart(Context ctx, String name, ZoneId zone) {
        Instant t = Requests.instantParam(ctx, name, zone);
        if (t == null) {
            throw HttpProblem.badRequest(name, name + ": required with " + (name.equals("from") ? "to" : "from"));
        }
        Instant dayStart = LocalDate.ofInstant(t, zone).atStartOfDay(zone).toInstant();
        if (!dayStart.equals(t)) {
            throw HttpProblem.badRequest(name, name + ": must be the start of a day in the customer's zone ("
                    + zone + "), such as " + dayStart + ", was " + ctx.queryParam(name));
        }
        return t;
    }
}
