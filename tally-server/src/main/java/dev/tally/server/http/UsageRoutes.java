package dev.tally.server.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.catalog.Catalog;
import dev.tally.core.enforce.EndUserLimitStates;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.customer.Customer;
import dev.tally.core.enforce.DenialMessages;
import dev.tally.core.event.EndUsers;
import dev.tally.core.event.EventCursor;
import dev.tally.core.event.EventPage;
import dev.tally.core.event.EventQuery;
import dev.tally.core.limit.LimitMode;
import dev.tally.core.limit.LimitState;
import dev.tally.core.limit.LimitStatus;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.period.Period;
import dev.tally.core.rollup.RollupCounts;
import dev.tally.core.rollup.RollupKey;
import dev.tally.core.rollup.RollupRow;
import dev.tally.core.store.UsageStore;
import dev.tally.core.adjust.AdjustedUsageStore;
import dev.tally.core.adjust.Adjustment;
import dev.tally.core.adjust.Adjustments;
import dev.tally.core.usage.CustomerOverview;
import dev.tally.core.rollup.EndUserTotals;
import dev.tally.core.rollup.EndUserUsage;
import dev.tally.core.usage.MonthSummary;
import dev.tally.core.usage.UsageReport;
import dev.tally.core.usage.UsageReporter;
import dev.tally.server.json.AdjustmentJson;
import dev.tally.server.json.RerateJson;
import dev.tally.core.rerate.Rerater;
import dev.tally.core.rerate.Rerating;
import dev.tally.server.json.EventJson;
import dev.tally.server.json.LimitJson;
import dev.tally.server.json.UsageJson;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;

/**
 * Reading usage: a customer's month, the all-customers overview, monthly history, the itemized event log and CSV
 * reports. Every customer route exists twice: {@code /v1/customers/{id}/...} (admin, or that customer's key) and
 * {@code /v1/me/...} (a customer key).
 */
public final class UsageRoutes {
    private static final int MAX_HISTORY_MONTHS = 120;

    private final UsageReporter reporter;
    private final UsageStore store;
    private final Catalog catalog;
    private final Access access;
    private final UsageJson usageJson;
    private final EventJson eventJson;
    private final ObjectMapper json;
    private final Executor reads;
    private final Adjustments adjustments;
    private final AdjustmentJson adjustmentJson;
    private final Rerater rerater;
    private final RerateJson rerateJson;

    /** Reads one end user's own counters (its {@code per: "user"} limits). */
    private final Enforcer enforcer;
    /** Limits on end users and dimensions, from the counters, in the customer's limits. */
    private final EndUserLimitRows endUserLimits;
    /** The report of a range of days ({@code from}/{@code to}), from the day rollups. */
    private final DayRangeReport dayRange;

    /**
     * @param endUserLimits reads the counters of limits on end users and dimensions for reports
     * @param reads         runs the reads, off the HTTP threads (null: on them; right with virtual threads, one per
     *                      request)
     */
    public UsageRoutes(UsageReporter reporter, UsageStore store, Catalog catalog, Adjustments adjustments,
                       Rerater rerater, Enforcer enforcer, EndUserLimitStates endUserLimits, Access access,
                       ObjectMapper json, Executor reads) {
        this.rerater = rerater;
        this.enforcer = enforcer;
        this.rerateJson = new RerateJson(json);
        this.reads = reads;
        this.adjustments = adjustments;
        this.adjustmentJson = new AdjustmentJson(json);
        this.reporter = reporter;
        this.store = store;
        this.catalog = catalog;
        this.access = access;
        this.usageJson = new UsageJson(json);
        this.endUserLimits = new EndUserLimitRows(endUserLimits, store, usageJson);
        this.eventJson = new EventJson(json);
        this.json = json;
        this.dayRange = new DayRangeReport(reporter, store, usageJson, json);
    }

    public void register(RoutesConfig routes) {
        customerRoute(routes, "usage", this::usage);
        customerRoute(routes, "history", this::history);
        customerRoute(routes, "events", this::events);
        customerRoute(routes, "usage.csv", this::usageCsv);
        customerRoute(routes, "users", this::users);
        customerRoute(routes, "users/{user}/usage", this::userUsage);
        routes.get("/v1/usage", ctx -> offload(ctx, () -> overview(ctx)));
        routes.get("/v1/events", ctx -> offload(ctx, () -> allErrors(ctx)));
        routes.get("/v1/usage.csv", ctx -> offload(ctx, () -> overviewCsv(ctx)));
    }

    private void customerRoute(RoutesConfig routes, String path, BiConsumer<Context, String> handler) {
        routes.get("/v1/customers/{customer_id}/" + path, ctx -> offload(ctx, () -> {
            String id = ctx.pathParam("customer_id");
            access.requireRead(ctx, id);
            handler.accept(ctx, id);
        }));
        routes.get("/v1/me/" + path, ctx -> offload(ctx, () -> handler.accept(ctx, access.requireCustomer(ctx))));
    }

    /**
     * Runs a read on {@link #reads}, answering when it is done, or here without it. Its exceptions reach the same
     * exception mapper either way (Javalin unwraps a future's {@code CompletionException}).
     */
    private void offload(Context ctx, Runnable read) {
        if (reads == null) {
            read.run();
        } else {
            ctx.future(() -> CompletableFuture.runAsync(read, reads));
        }
    }

    /**
     * Gives each used-up hard limit the {@code message} a call denied by it answers with (issue 15.4), so the portal
     * shows the customer the operator's words ("Your monthly limit is over. Please upgrade your plan."). Every
     * listing of a customer's limit states (its report, the overview) says the same.
     */
    private void putDenialMessages(ArrayNode limits, Customer customer, List<LimitState> states) {
        Instant now = reporter.clock().instant();
        for (int i = 0; i < states.size(); i++) {
            LimitState s = states.get(i);
            if (s.status() != LimitStatus.EXCEEDED || s.limit().mode() != LimitMode.HARD) {
                continue;
            }
            long retrySeconds = Math.max(1, Duration.between(now, s.resetsAt()).toSeconds());
            ((ObjectNode) limits.get(i)).put("message",
                    DenialMessages.of(catalog, customer, s.limit(), s.used(), retrySeconds));
        }
    }

    private void usage(Context ctx, String customerId) {
        if (DayRangeReport.isAsked(ctx)) {
            dayRange.answer(ctx, catalog.requireCustomer(customerId));
            return;
        }
        YearMonth period = Requests.period(ctx);
        UsageReport report = reporter.report(customerId, period);
        ObjectNode out = usageJson.report(report);
        putDenialMessages((ArrayNode) out.get("limits"), report.customer(), report.limits());
        EndUserUsage endUsers = store.endUserUsage(customerId, report.period().start());
        usageJson.endUsers(out, endUsers);
        if (isCurrent(report.customer(), report.period())) {
            // The counters hold the current windows only.
            endUserLimits.append((ArrayNode) out.get("limits"), customerId, endUsers, EndUserLimitRows.REPORT_CHECKED);
        } else {
            // Another month's: measured from its sums by user and dimension value, where those measure them.
            endUserLimits.appendMonth((ArrayNode) out.get("limits"), catalog.limitsOf(report.customer()),
                    report.period(), endUsers, EndUserLimitRows.REPORT_CHECKED);
        }
        // Shown apart from the usage they correct; the totals and month limits include them.
        adjustmentJson.putList(out, adjustments.between(customerId, report.period().start(), report.period().end()));
        // A re-rated month says so: its numbers changed after the fact. Only this customer's part of each: a
        // re-rating of every customer holds the others' lines too, which a customer's key must not read.
        rerateJson.putList(out, rerater.of(customerId, YearMonth.from(report.period().start()
                .atZone(report.customer().zone()))).stream().map(r -> partOf(r, customerId)).toList());
        ctx.json(out);
    }

    /** The lines of {@code r} that re-rated {@code customerId}'s events (its totals then are that customer's). */
    private static Rerating partOf(Rerating r, String customerId) {
        return new Rerating(r.id(), r.period(), r.customerId(), r.state(), r.createdBy(), r.createdAt(),
                r.lines().stream().filter(l -> l.customerId().equals(customerId)).toList());
    }

    /**
     * One end user's month: the user's totals, and the limits that apply to its calls, each marked with its scope
     * ({@code customer}: a customer-wide limit, whose counter the user shares with every other user; {@code user}:
     * the user's own counter of a {@code per: "user"} limit, or a limit on this user alone, read live from the
     * enforcement counters, each in its current window; for another month, those of its {@code month} limits that
     * the user's sums of that month measure, as the customer's report of that month does).
     */
    private void userUsage(Context ctx, String customerId) {
        Customer customer = catalog.requireCustomer(customerId);
        String user = ctx.pathParam("user");
        if (!EndUsers.isValidUser(user)) {
            throw HttpProblem.badRequest("user", "user: must be 1 to " + EndUsers.MAX_USER_CHARS
                    + " characters, was " + user.length());
        }
        YearMonth month = Requests.period(ctx);
        Period period = reporter.billingMonth(customer, month);
        ObjectNode out = json.createObjectNode();
        out.put("customer", customerId);
        out.put("user", user);
        usageJson.period(out.putObject("period"), period);
        EndUserTotals totals = store.endUserTotals(customerId, period.start(), user);
        usageJson.endUserTotals(out.putObject("totals"), totals);
        ArrayNode limits = out.putArray("limits");
        usageJson.limits(limits, reporter.report(customerId, month).limits());
        limits.forEach(l -> ((ObjectNode) l).put("scope", "customer"));
        boolean current = isCurrent(customer, period);
        // The counters hold the current windows only; another month's own limits are measured from its sums.
        List<LimitDecision> ownLimits = current ? enforcer.endUserStates(customerId, user)
                : PastMonthEndUserLimits.userStates(catalog.limitsOf(customer), period, user, totals);
        for (LimitDecision own : ownLimits) {
            ObjectNode row = limits.addObject();
            usageJson.limit(row, own.state());
            LimitJson.putAmount(row, "reserved", own.state().limit().metric(), own.reserved());
            if (own.perValue() != null) {
                row.put("per_value", own.perValue());
            }
            row.put("scope", "user");
        }
        if (current) {
            endUserLimits.appendUserDimensions(limits, customerId, user);
        }
        ctx.json(out);
    }

    /** Every end user of the customer's billing month with totals, sorted and paginated. */
    private void users(Context ctx, String customerId) {
        Customer customer = catalog.requireCustomer(customerId);
        Period period = reporter.billingMonth(customer, Requests.period(ctx));
        String sort = Requests.choice(ctx, "sort", "requests", "tokens", "cost");
        EndUserUsage usage = store.endUserUsage(customerId, period.start());
        List<EndUserTotals> users = new ArrayList<>(usage.users());
        users.sort(UsageJson.endUserOrder(sort));
        Page<EndUserTotals> page = Page.byOffset(ctx, users);
        ObjectNode out = json.createObjectNode();
        out.put("customer", customerId);
        usageJson.period(out.putObject("period"), period);
        out.put("sort", sort);
        ArrayNode list = out.putArray("users");
        page.items().forEach(u -> usageJson.endUser(list.addObject(), "user", u));
        out.put("users_truncated", usage.usersTruncated());
        out.put("next_cursor", page.nextCursor());
        ctx.json(out);
    }

    /** Whether {@code period} is the customer's current billing month. */
    private boolean isCurrent(Customer customer, Period period) {
        return reporter.billingMonth(customer, null).equals(period);
    }

    private void history(Context ctx, String customerId) {
        int months = Requests.intParam(ctx, "months", 6, 1, MAX_HISTORY_MONTHS);
        List<MonthSummary> summaries = reporter.history(customerId, months);
        ObjectNode out = usageJson.history(customerId, summaries);
        for (int i = 0; i < summaries.size(); i++) {
            MonthSummary m = summaries.get(i);
            adjustmentJson.putList((ObjectNode) out.path("months").get(i),
                    adjustments.between(customerId, m.period().start(), m.period().end()));
        }
        ctx.json(out);
    }

    /**
     * {@code GET /v1/events?errors=true}: every customer's failed calls (issue 15.8), from the partial index of
     * failed calls, so this view costs successful calls nothing at ingestion.
     */
    private void allErrors(Context ctx) {
        access.requireAdmin(ctx);
        if (!Requests.boolParam(ctx, "errors")) {
            throw HttpProblem.badRequest("errors", "errors: must be true: the log of every customer lists failed calls "
                    + "(status >= 400) only; a customer's own log (/v1/customers/{id}/events) lists all its calls");
        }
        events(ctx, ctx.queryParam("customer"));
    }

    /** One customer's log, or, with {@code customerId} null, every customer's (errors only). */
    private void events(Context ctx, String customerId) {
        if (customerId != null) {
            catalog.requireCustomer(customerId);
        }
        int limit = Requests.intParam(ctx, "limit", Requests.DEFAULT_PAGE, 1, Requests.MAX_PAGE);
        String cursor = ctx.queryParam("cursor");
        EventCursor after;
        try {
            after = cursor == null ? null : EventCursor.decode(cursor);
        } catch (IllegalArgumentException e) {
            throw HttpProblem.badRequest("cursor", "cursor: " + e.getMessage());
        }
        EventQuery query = new EventQuery(customerId, Requests.instantParam(ctx, "from"),
                Requests.instantParam(ctx, "to"), ctx.queryParam("provider"), ctx.queryParam("model"),
                ctx.queryParam("endpoint"), Requests.boolParam(ctx, "errors"), limit, after,
                Requests.userParam(ctx), Requests.dimensionParams(ctx));
        EventPage page = store.events(query);
        ObjectNode out = json.createObjectNode();
        ArrayNode list = out.putArray("events");
        page.events().forEach(e -> list.add(eventJson.write(e)));
        out.put("next_cursor", page.next() == null ? null : page.next().encode());
        ctx.json(out);
    }

    private void overview(Context ctx) {
        access.requireAdmin(ctx);
        YearMonth period = Requests.period(ctx);
        String sort = Requests.choice(ctx, "sort", "cost", "requests", "tokens", "customer");
        List<CustomerOverview> rows = new ArrayList<>(reporter.overview(period));
        rows.sort(order(sort));
        Page<CustomerOverview> page = Page.byOffset(ctx, rows);
        ObjectNode out = usageJson.overview(page.items(), sort, rows);
        ArrayNode customers = (ArrayNode) out.get("customers");
        for (int i = 0; i < page.items().size(); i++) {
            CustomerOverview row = page.items().get(i);
            ArrayNode limits = (ArrayNode) customers.get(i).get("limits");
            putDenialMessages(limits, row.customer(), row.limits());
            if (period == null && catalog.limitsOf(row.customer()).stream().anyMatch(l -> l.isEndUserScoped())) {
                endUserLimits.append(limits, row.customer().id(),
                        store.endUserUsage(row.customer().id(), row.period().start()),
                        EndUserLimitRows.OVERVIEW_CHECKED);
            }
        }
        out.put("next_cursor", page.nextCursor());
        ctx.json(out);
    }

    private static Comparator<CustomerOverview> order(String sort) {
        Comparator<CustomerOverview> byId = Comparator.comparing(o -> o.customer().id());
        return switch (sort) {
            case "requests" -> Comparator.comparingLong((CustomerOverview o) -> o.totals().requests()).reversed()
                    .thenComparing(byId);
            case "tokens" -> Comparator.comparingLong(
                    (CustomerOverview o) -> Metrics.tokenMicros(o.totals().metricMicros())).reversed()
                    .thenComparing(byId);
            case "customer" -> byId;
            default -> Comparator.comparingLong((CustomerOverview o) -> o.totals().costNanos()).reversed()
                    .thenComparing(byId);
        };
    }

    /**
     * One line per day, provider, model and endpoint of the month, with a column per sent metric ({@code kind}
     * {@code usage}), then one line per adjustment of the month ({@code kind} {@code adjustment}, its billing month as
     * {@code date}, no provider, model or endpoint, its reason): an adjustment belongs to the month, not to a day, and
     * the lines add up to the report's totals.
     */
    private void usageCsv(Context ctx, String customerId) {
        Customer c = catalog.requireCustomer(customerId);
        Period period = reporter.billingMonth(c, Requests.period(ctx));
        List<RollupRow> rows = new ArrayList<>(reporter.dayRows(c, period));
        rows.sort(Comparator.comparing((RollupRow r) -> r.key().bucketStart())
                .thenComparing(r -> r.key().provider()).thenComparing(r -> r.key().model())
                .thenComparing(r -> r.key().endpoint()));
        List<Adjustment> corrections = adjustments.between(c.id(), period.start(), period.end());
        TreeSet<String> metrics = new TreeSet<>();
        rows.forEach(r -> metrics.addAll(r.counts().metricMicros().keySet()));
        corrections.forEach(a -> metrics.addAll(AdjustedUsageStore.row(a).counts().metricMicros().keySet()));
        List<Object> header = new ArrayList<>(List.of("customer", "date", "provider", "model", "endpoint",
                "requests", "errors"));
        header.addAll(metrics);
        header.addAll(List.of("tokens", "cost", "unpriced_events", "kind", "reason"));
        Csv csv = new Csv().line(header);
        for (RollupRow r : rows) {
            csv.line(csvLine(c, LocalDate.ofInstant(r.key().bucketStart(), c.zone()), r, metrics, "usage", ""));
        }
        for (Adjustment a : corrections) {
            csv.line(csvLine(c, a.period(), AdjustedUsageStore.row(a), metrics, "adjustment", a.reason()));
        }
        sendCsv(ctx, "tally-" + c.id() + "-" + YearMonth.from(LocalDate.ofInstant(period.start(), c.zone()))
                + ".csv", csv);
    }

    private static List<Object> csvLine(Customer c, Object date, RollupRow r, Set<String> metrics, String kind,
                                        String reason) {
        RollupKey k = r.key();
        List<Object> line = new ArrayList<>(List.of(c.id(), date, k.provider(), k.model(), k.endpoint(),
                r.counts().requests(), r.counts().errors()));
        metrics.forEach(m -> line.add(Quantity.toDecimal(r.counts().micros(m)).toPlainString()));
        addTail(line, r.counts());
        line.add(kind);
        line.add(reason);
        return line;
    }

    /** One line per customer for the month. */
    private void overviewCsv(Context ctx) {
        access.requireAdmin(ctx);
        YearMonth period = Requests.period(ctx);
        Csv csv = new Csv().line(List.of("customer", "name", "plan", "period_start", "period_end", "requests",
                "errors", "input_tokens", "output_tokens", "tokens", "cost", "unpriced_events", "status"));
        for (CustomerOverview o : reporter.overview(period)) {
            RollupCounts t = o.totals();
            List<Object> line = new ArrayList<>(List.of(o.customer().id(), o.customer().name(),
                    o.customer().planId() == null ? "" : o.customer().planId(), o.period().start(), o.period().end(),
                    t.requests(), t.errors(), t.micros(Metrics.INPUT_TOKENS) / Quantity.ONE,
                    t.micros(Metrics.OUTPUT_TOKENS) / Quantity.ONE));
            addTail(line, t);
            line.add(o.worstStatus().wireName());
            csv.line(line);
        }
        sendCsv(ctx, "tally-usage-" + (period == null ? "current" : period.toString()) + ".csv", csv);
    }

    private static void addTail(List<Object> line, RollupCounts counts) {
        line.add(Metrics.tokenMicros(counts.metricMicros()) / Quantity.ONE);
        line.add(Money.ofNanos(counts.costNanos()).toPlainString());
        line.add(counts.unpriced());
    }

    private static void sendCsv(Context ctx, String filename, Csv csv) {
        ctx.contentType("text/csv; charset=utf-8");
        ctx.header("Content-Disposition", "attachment; filename=\"" + filename + "\"");
        ctx.result(csv.toString());
    }
}
