package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import java.time.DateTimeException;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tally usage}: one customer's billing month against its limits, or every customer's (the overview, in the
 * server's order: highest cost first), printed by {@link UsageTable}.
 */
@Command(name = "usage", mixinStandardHelpOptions = true,
        description = "Show usage against limits: one customer, or every customer (admin key).")
public final class UsageCommand extends ApiCommand {
    @Option(names = "--customer", paramLabel = "ID", description = "only this customer (a customer key may read its own)")
    String customer;

    @Option(names = "--user", paramLabel = "USER",
            description = "with --customer: only this end user, and the limits its calls count toward")
    String user;

    @Option(names = "--by", paramLabel = "WHAT",
            description = "with --customer: its usage by end user (user) or by a dimension's values (dimension.KEY)")
    String by;

    @Option(names = "--period", paramLabel = "PERIOD", defaultValue = "current",
            converter = BillingPeriodConverter.class,
            description = "current (default) or a month as YYYY-MM: with --customer, the customer's billing period "
                    + "holding most of that month; for every customer, each one's billing period starting in it")
    String period;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", converter = ColorMode.Converter.class,
            description = "colour the status: auto (default: on a terminal unless NO_COLOR is set), always, never")
    ColorMode color;

    @Option(names = "--exact", description = "money with every digit the server keeps (default: cents, more digits "
            + "only for amounts below a cent)")
    boolean exact;

    /** Customers per page of the overview; tests lower it to walk several pages. */
    int pageSize = 1000;

    @Override
    int run(TallyApiClient api) {
        if (user != null || by != null) {
            return endUsers(api);
        }
        UsageTable table = new UsageTable(color.enabled(Terminal.isInteractive(), env), exact);
        if (customer != null) {
            print(table.render(oneCustomer(api)));
            return 0;
        }
        return allCustomers(api, table);
    }

    /** {@code --user} or {@code --by}: checked before any request, then one or two reads. */
    private int endUsers(TallyApiClient api) {
        if (customer == null) {
            throw new ParameterException(spec.commandLine(), "--user and --by need --customer");
        }
        if (user != null && by != null) {
            throw new ParameterException(spec.commandLine(), "--user and --by cannot be used together");
        }
        if (by != null && !by.equals("user") && !by.matches("dimension\\.[a-z][a-z0-9_]{0,63}")) {
            throw new ParameterException(spec.commandLine(),
                    "--by must be user or dimension.KEY (KEY lower_snake_case), was '" + by + "'");
        }
        EndUserTable table = new EndUserTable(exact);
        String path = "/v1/customers/" + TallyApiClient.segment(customer);
        JsonNode c = api.getJson(path);
        String name = c.path("name").asText(customer);
        // --period names the billing month as for the customer's own usage: the one holding most of that month.
        String customerPeriod = PeriodWords.forCustomer(period, c.path("billing_day").asInt(1));
        if (user != null) {
            print(table.user(name, zone(c.path("timezone").asText(null)), api.getJson(path + "/users/"
                    + TallyApiClient.segment(user) + "/usage?period=" + customerPeriod)));
        } else if (by.equals("user")) {
            JsonNode page = api.getJson(path + "/users?limit=1000&period=" + customerPeriod);
            print(table.rows(name + " by end user", page.path("users"), "user", !page.path("next_cursor").isNull()));
        } else {
            String key = by.substring("dimension.".length());
            JsonNode values = api.getJson(path + "/usage?period=" + customerPeriod).path("by_dimension").path(key);
            print(table.rows(name + " by " + key, values, "value", false));
        }
        return 0;
    }

    private CustomerUsage oneCustomer(TallyApiClient api) {
        String path = "/v1/customers/" + TallyApiClient.segment(customer);
        JsonNode c = api.getJson(path);
        JsonNode report = api.getJson(path + "/usage?period="
                + PeriodWords.forCustomer(period, c.path("billing_day").asInt(1)));
        return new CustomerUsage(c.path("name").asText(customer), text(report.get("plan")),
                zone(c.path("timezone").asText(null)), report);
    }

    private int allCustomers(TallyApiClient api, UsageTable table) {
        Map<String, ZoneId> zones = zones(api);
        String cursor = null;
        boolean first = true;
        do {
            JsonNode page = api.getJson("/v1/usage?period=" + period + "&limit=" + pageSize
                    + (cursor == null ? "" : "&cursor=" + TallyApiClient.segment(cursor)));
            for (JsonNode row : page.path("customers")) {
                String id = row.path("customer").asText();
                if (!first) {
                    out().println();
                }
                first = false;
                print(table.render(new CustomerUsage(row.path("name").asText(id), text(row.get("plan")),
                        zones.getOrDefault(id, ZoneOffset.UTC), row)));
            }
            cursor = text(page.get("next_cursor"));
        } while (cursor != null);
        if (first) {
            out().println("no customers");
        }
        return 0;
    }

    /** Every customer's time zone, to show its billing month as the customer sees it (the API answers in UTC). */
    private Map<String, ZoneId> zones(TallyApiClient api) {
        Map<String, ZoneId> zones = new HashMap<>();
        String cursor = null;
        do {
            JsonNode page = api.getJson("/v1/customers?limit=" + pageSize
                    + (cursor == null ? "" : "&cursor=" + TallyApiClient.segment(cursor)));
            for (JsonNode c : page.path("customers")) {
                zones.put(c.path("id").asText(), zone(c.path("timezone").asText(null)));
            }
            cursor = text(page.get("next_cursor"));
        } while (cursor != null);
        return zones;
    }

    private void print(List<String> lines) {
        lines.forEach(out()::println);
    }

    private static ZoneId zone(String id) {
        try {
            return id == null ? ZoneOffset.UTC : ZoneId.of(id);
        } catch (DateTimeException e) {
            // A zone this JVM does not know (older tzdata than the server's): UTC is off by hours at most.
            return ZoneOffset.UTC;
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
