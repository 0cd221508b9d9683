package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/**
 * {@code tally left}: what is left of each of one customer's limits, its windows side by side ({@link LeftTable}).
 * Made for one person tracking their own use ({@code tally serve --personal}), so the customer may be left out: with
 * a customer key it is the key's own; with the admin key it is {@code me} when that customer exists, else the only
 * customer there is.
 */
@Command(name = "left", aliases = "remaining", mixinStandardHelpOptions = true,
        description = "Show what is left of each limit, today and this month side by side.")
public final class LeftCommand extends ApiCommand {
    /** The customer of {@code examples/personal.yaml}. */
    static final String PERSONAL_CUSTOMER = "me";

    @Option(names = "--customer", paramLabel = "ID",
            description = "whose limits (default: the key's own, else 'me', else the only customer)")
    String customer;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", converter = ColorMode.Converter.class,
            description = "colour the figures: auto (default: on a terminal unless NO_COLOR is set), always, never")
    ColorMode color;

    @Override
    int run(TallyApiClient api) {
        String path = customer != null ? "/v1/customers/" + TallyApiClient.segment(customer) : defaultPath(api);
        JsonNode who = api.getJson(path);
        JsonNode report = api.getJson(path + "/usage?period=current");
        String name = who.path("name").asText(who.path("id").asText());
        String title = name + " (" + (report.hasNonNull("plan") ? report.get("plan").asText() : "no plan")
                + "), times in " + who.path("timezone").asText("UTC");
        new LeftTable(color.enabled(Terminal.isInteractive(), env)).render(title, report).forEach(out()::println);
        return 0;
    }

    /** The key's own customer, else {@code me}, else the only customer. */
    private String defaultPath(TallyApiClient api) {
        JsonNode page;
        try {
            page = api.getJson("/v1/customers?limit=1000");
        } catch (TallyApiException e) {
            if (e.status() == 403) {
                return "/v1/me"; // a customer key: its own
            }
            throw e;
        }
        JsonNode customers = page.path("customers");
        for (JsonNode c : customers) {
            if (PERSONAL_CUSTOMER.equals(c.path("id").asText())) {
                return "/v1/customers/" + PERSONAL_CUSTOMER;
            }
        }
        if (customers.size() == 1) {
            return "/v1/customers/" + TallyApiClient.segment(customers.get(0).path("id").asText());
        }
        throw new TallyApiException(0, customers.isEmpty() ? "no customers yet: see the README's 'Tracking your own "
                + "API use', or create one with PUT /v1/customers/{id}"
                : "several customers: name one with --customer", List.of(), null);
    }
}
