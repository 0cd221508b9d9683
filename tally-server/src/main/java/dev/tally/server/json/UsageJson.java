package dev.tally.server.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.period.Period;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.usage.CustomerOverview;
import dev.tally.core.rollup.EndUserTotals;
import dev.tally.core.rollup.EndUserUsage;
import dev.tally.core.limit.LimitState;
import dev.tally.core.usage.MonthSummary;
import dev.tally.core.usage.UsageReport;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Comparator;
import java.util.List;

/** Usage reports, overview rows, monthly history and limit states in the contract's JSON shape. */
public final class UsageJson {
    private final ObjectMapper json;

    public UsageJson(ObjectMapper json) {
        this.json = json;
    }

    /** {@code GET /v1/customers/{id}/usage}. */
    public ObjectNode report(UsageReport r) {
        ObjectNode out = json.createObjectNode();
        out.put("customer", r.customer().id());
        putNullable(out, "plan", r.plan() == null ? null : r.plan().id());
        writePeriod(out.putObject("period"), r.period());
        totals(out.putObject("totals"), r.totals());
        ArrayNode providers = out.putArray("by_provider");
        for (UsageReport.Breakdown b : r.byProvider()) {
            ObjectNode row = providers.addObject();
            row.put("provider", b.provider());
            counts(row, b.counts());
            ObjectNode metrics = row.putObject("metrics");
            b.counts().metricMicros().forEach((m, v) -> metrics.putPOJO(m, Quantity.toNumber(v)));
        }
        ArrayNode models = out.putArray("by_model");
        for (UsageReport.Breakdown b : r.byModel()) {
            ObjectNode row = models.addObject();
            row.put("provider", b.provider());
            putNullable(row, "model", b.model());
            counts(row, b.counts());
        }
        limits(out.putArray("limits"), r.limits());
        ArrayNode daily = out.putArray("daily");
        for (UsageReport.Day d : r.daily()) {
            ObjectNode row = daily.addObject();
            row.put("date", d.date().toString());
            counts(row, d.counts());
        }
        ArrayNode endpoints = out.putArray("top_endpoints");
        for (UsageReport.Breakdown b : r.topEndpoints()) {
            ObjectNode row = endpoints.addObject();
            row.put("endpoint", b.endpoint());
            row.put("requests", b.counts().requests());
            row.put("errors", b.counts().errors());
            row.put("avg_latency_ms", avgLatency(b.counts()));
            row.put("cost", Money.ofNanos(b.counts().costNanos()).toPlainString());
        }
        statusCodes(out.putObject("status_codes"), r.totals());
        ObjectNode latency = out.putObject("latency_ms");
        latency.put("avg", r.latency().avg());
        latency.putPOJO("p50", r.latency().p50());
        latency.putPOJO("p95", r.latency().p95());
        latency.putPOJO("p99", r.latency().p99());
        out.put("unpriced_events", r.totals().unpriced());
        return out;
    }

    /**
     * {@code GET /v1/usage}: one row per customer of this page, and totals over every customer.
     *
     * @param page the rows of this page
     * @param all  every row, for the totals
     */
    public ObjectNode overview(List<CustomerOverview> page, String sort, List<CustomerOverview> all) {
        ObjectNode out = json.createObjectNode();
        out.put("sort", sort);
        out.put("customer_count", all.size());
        ArrayNode customers = out.putArray("customers");
        RollupCounts sum = new RollupCounts();
        all.forEach(o -> sum.add(o.totals()));
        for (CustomerOverview o : page) {
            ObjectNode row = customers.addObject();
            row.put("customer", o.customer().id());
            row.put("name", o.customer().name());
            putNullable(row, "plan", o.customer().planId());
            period(row.putObject("period"), o.period());
            totals(row.putObject("totals"), o.totals());
            row.put("status", o.worstStatus().wireName());
            limits(row.putArray("limits"), o.limits());
        }
        totals(out.putObject("totals"), sum);
        return out;
    }

    /** {@code GET /v1/customers/{id}/history}. */
    public ObjectNode history(String customerId, List<MonthSummary> months) {
        ObjectNode out = json.createObjectNode();
        out.put("customer", customerId);
        ArrayNode list = out.putArray("months");
        for (MonthSummary m : months) {
            ObjectNode row = list.addObject();
            row.put("month", m.month().toString());
            row.put("start", m.period().start().toString());
            row.put("end", m.period().end().toString());
            totals(row.putObject("totals"), m.totals());
            row.put("unpriced_events", m.totals().unpriced());
        }
        return out;
    }

    /** Limit states, as in usage and in authorization decisions. */
    public void limits(ArrayNode out, List<LimitState> states) {
        for (LimitState s : states) {
            limit(out.addObject(), s);
        }
    }

    /** One limit's state; a limit on end users also shows its {@code user}, {@code dimensions} and {@code per}. */
    public void limit(ObjectNode row, LimitState s) {
        row.put("name", s.limit().name());
        row.put("metric", s.limit().metric());
        putNullable(row, "provider", s.limit().provider());
        putNullable(row, "model", s.limit().model());
        putNullable(row, "endpoint", s.limit().endpoint());
        row.put("window", s.limit().window().wireName());
        LimitJson.putAmount(row, "amount", s.limit().metric(), s.limit().amount());
        LimitJson.putAmount(row, "used", s.limit().metric(), s.used());
        LimitJson.putAmount(row, "remaining", s.limit().metric(), s.remaining());
        if (s.percent() == null) {
            row.putNull("percent");
        } else {
            row.put("percent", s.percent());
        }
        row.put("status", s.status().wireName());
        row.put("mode", s.limit().mode().wireName());
        row.put("resets_at", s.resetsAt().toString());
        LimitJson.putEndUserFields(row, s.limit());
    }

    /** How many users and values of each dimension the report shows. */
    public static final int TOP_END_USERS = 20;

    /**
     * Adds {@code by_user} (the top {@value #TOP_END_USERS} users by requests), {@code by_dimension} (the top
     * {@value #TOP_END_USERS} values of each key), {@code users_truncated} and {@code dimensions_truncated} to a usage
     * report.
     */
    public void endUsers(ObjectNode report, EndUserUsage usage) {
        ArrayNode users = report.putArray("by_user");
        top(usage.users()).forEach(u -> endUser(users.addObject(), "user", u));
        ObjectNode dimensions = report.putObject("by_dimension");
        usage.dimensions().forEach((key, values) -> {
            ArrayNode rows = dimensions.putArray(key);
            top(values).forEach(v -> endUser(rows.addObject(), "value", v));
        });
        report.put("users_truncated", usage.usersTruncated());
        report.put("dimensions_truncated", usage.dimensionsTruncated());
    }

    private static List<EndUserTotals> top(List<EndUserTotals> all) {
        return all.stream().sorted(endUserOrder("requests")).limit(TOP_END_USERS).toList();
    }

    /** Largest first by {@code requests}, {@code tokens} or {@code cost}; then by name. */
    public static Comparator<EndUserTotals> endUserOrder(String sort) {
        Comparator<EndUserTotals> by = switch (sort) {
            case "tokens" -> Comparator.comparingLong(EndUserTotals::tokensMicros);
            case "cost" -> Comparator.comparingLong(EndUserTotals::costNanos);
            default -> Comparator.comparingLong(EndUserTotals::requests);
        };
        return by.reversed().thenComparing(EndUserTotals::name);
    }

    /** One user's sums without its name: {@code requests}, {@code errors}, {@code tokens}, {@code cost}. */
    public void endUserTotals(ObjectNode row, EndUserTotals t) {
        row.put("requests", t.requests());
        row.put("errors", t.errors());
        row.putPOJO("tokens", Quantity.toNumber(t.tokensMicros()));
        row.put("cost", Money.ofNanos(t.costNanos()).toPlainString());
    }

    /** One user's (or dimension value's) sums, its name under {@code nameField}. */
    public void endUser(ObjectNode row, String nameField, EndUserTotals t) {
        row.put(nameField, t.name());
        row.put("requests", t.requests());
        row.put("errors", t.errors());
        row.putPOJO("tokens", Quantity.toNumber(t.tokensMicros()));
        row.put("cost", Money.ofNanos(t.costNanos()).toPlainString());
    }

    /** Writes a period's {@code start}, {@code end} (and what else the report shows of it) into {@code out}. */
    public void period(ObjectNode out, Period p) {
        writePeriod(out, p);
    }

    private static void writePeriod(ObjectNode out, Period p) {
        out.put("start", p.start().toString());
        out.put("end", p.end().toString());
        out.put("resets_at", p.end().toString());
    }

    /** Totals: requests, errors, every sent metric (the token metrics always), tokens and cost. */
    public static void totals(ObjectNode out, RollupCounts c) {
        out.put("requests", c.requests());
        out.put("errors", c.errors());
        out.put(Metrics.INPUT_TOKENS, c.micros(Metrics.INPUT_TOKENS) / Quantity.ONE);
        out.put(Metrics.OUTPUT_TOKENS, c.micros(Metrics.OUTPUT_TOKENS) / Quantity.ONE);
        c.metricMicros().forEach((metric, micros) -> {
            if (!out.has(metric)) {
                out.putPOJO(metric, Quantity.toNumber(micros));
            }
        });
        out.put("tokens", Metrics.tokenMicros(c.metricMicros()) / Quantity.ONE);
        out.put("cost", Money.ofNanos(c.costNanos()).toPlainString());
    }

    private static void counts(ObjectNode out, RollupCounts c) {
        out.put("requests", c.requests());
        out.put("errors", c.errors());
        out.put("tokens", Metrics.tokenMicros(c.metricMicros()) / Quantity.ONE);
        out.put("cost", Money.ofNanos(c.costNanos()).toPlainString());
    }

    private static void statusCodes(ObjectNode out, RollupCounts c) {
        out.put("2xx", c.status2xx());
        out.put("3xx", c.status3xx());
        out.put("4xx", c.status4xx());
        out.put("5xx", c.status5xx());
    }

    private static BigDecimal avgLatency(RollupCounts c) {
        if (c.latencyCount() == 0) {
            return null;
        }
        return BigDecimal.valueOf(c.latencySumMs()).divide(BigDecimal.valueOf(c.latencyCount()), 1,
                RoundingMode.HALF_UP);
    }

    private static void putNullable(ObjectNode out, String field, String value) {
        if (value == null) {
            out.putNull(field);
        } else {
            out.put(field, value);
        }
    }
}
