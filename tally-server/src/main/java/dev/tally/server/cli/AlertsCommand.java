package dev.tally.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * {@code tally alerts}: the alerts of every customer (admin key) or of the key's own customer, newest first, one
 * line each, printed by {@link AlertTable}.
 */
@Command(name = "alerts", mixinStandardHelpOptions = true,
        description = "List alerts, newest first: all states unless --state is given.")
public final class AlertsCommand extends ApiCommand {
    @Option(names = "--state", paramLabel = "STATE", description = "only alerts in this state: active, "
            + "acknowledged or resolved")
    String state;

    @Option(names = "--customer", paramLabel = "ID", description = "only this customer's alerts")
    String customer;

    @Option(names = "--kind", paramLabel = "KIND", description = "only this kind: threshold, exceeded, rate_spike, "
            + "cost, unpriced or forecast")
    String kind;

    @Option(names = "--max", paramLabel = "N", defaultValue = "100",
            description = "show at most N alerts (default: 100)")
    int max;

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto", converter = ColorMode.Converter.class,
            description = "colour the state: auto (default: on a terminal unless NO_COLOR is set), always, never")
    ColorMode color;

    /** Alerts per request; tests lower it to walk several pages. */
    int pageSize = 1000;

    @Override
    int run(TallyApiClient api) {
        List<JsonNode> alerts = new ArrayList<>();
        String cursor = null;
        boolean more;
        do {
            JsonNode page = api.getJson("/v1/alerts?limit=" + Math.min(pageSize, Math.max(1, max)) + filters()
                    + (cursor == null ? "" : "&cursor=" + TallyApiClient.segment(cursor)));
            page.path("alerts").forEach(alerts::add);
            JsonNode next = page.get("next_cursor");
            cursor = next == null || next.isNull() ? null : next.asText();
            more = cursor != null;
        } while (more && alerts.size() < max);
        boolean cut = alerts.size() > max || (more && alerts.size() == max);
        List<JsonNode> shown = alerts.subList(0, Math.min(max, alerts.size()));
        if (shown.isEmpty()) {
            out().println("no alerts");
            return 0;
        }
        new AlertTable(color.enabled(Terminal.isInteractive(), env)).render(shown).forEach(out()::println);
        if (cut) {
            out().println("(more alerts: raise --max or narrow with --state, --customer, --kind)");
        }
        return 0;
    }

    private String filters() {
        StringBuilder q = new StringBuilder();
        if (state != null) {
            q.append("&state=").append(TallyApiClient.segment(state));
        }
        if (customer != null) {
            q.append("&customer=").append(TallyApiClient.segment(customer));
        }
        if (kind != null) {
            q.append("&kind=").append(TallyApiClient.segment(kind));
        }
        return q.toString();
    }
}
