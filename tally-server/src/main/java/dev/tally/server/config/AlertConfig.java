package dev.tally.server.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.alert.AlertSettings;
import dev.tally.core.money.Money;
import dev.tally.core.problem.Problems;
import dev.tally.server.json.JsonFields;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The {@code alerts:} section of {@code tally.yaml}:
 *
 * <pre>
 * alerts:
 *   cost:       {default: "100.00", customers: {acme: "500.00"}, global: "5000.00"}
 *   rate_spike: {window_minutes: 5, factor: 5, min_requests: 100, warmup_windows: 12, smoothing: 36}
 *   forecast:   {min_elapsed_hours: 24, min_percent: 10}
 * </pre>
 *
 * Every field is optional; absent ones keep {@link AlertSettings#DEFAULTS}. Amounts are decimal strings (USD).
 */
final class AlertConfig {
    private AlertConfig() {
    }

    /** Parses the section, adding every problem to {@code problems}. */
    static AlertSettings parse(JsonNode section, Problems problems) {
        AlertSettings d = AlertSettings.DEFAULTS;
        if (section == null || section.isNull()) {
            return d;
        }
        JsonFields f = new JsonFields(section, "alerts.", problems);
        JsonNode cost = f.raw("cost");
        JsonNode spike = f.raw("rate_spike");
        JsonNode forecast = f.raw("forecast");
        f.rejectUnknown();
        return new AlertSettings(cost(cost, problems), spike(spike, d.spike(), problems),
                forecast(forecast, d.forecast(), problems));
    }

    private static AlertSettings.CostRule cost(JsonNode node, Problems problems) {
        if (node == null || node.isNull()) {
            return AlertSettings.CostRule.NONE;
        }
        JsonFields f = new JsonFields(node, "alerts.cost.", problems);
        Money defaultAmount = money("alerts.cost.default", f.raw("default"), problems);
        Money global = money("alerts.cost.global", f.raw("global"), problems);
        JsonNode customers = f.raw("customers");
        f.rejectUnknown();
        Map<String, Money> perCustomer = new HashMap<>();
        if (customers != null && !customers.isNull()) {
            if (!customers.isObject()) {
                problems.add("alerts.cost.customers", "must be a mapping from customer id to amount");
            } else {
                for (Iterator<Map.Entry<String, JsonNode>> it = customers.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    Money m = money("alerts.cost.customers." + e.getKey(), e.getValue(), problems);
                    if (m != null) {
                        perCustomer.put(e.getKey(), m);
                    }
                }
            }
        }
        return new AlertSettings.CostRule(defaultAmount, perCustomer, global);
    }

    private static Money money(String field, JsonNode node, Problems problems) {
        if (node == null || node.isNull()) {
            return null;
        }
        BigDecimal value = JsonFields.decimalOf(field, node, problems);
        if (value == null) {
            return null;
        }
        try {
            return Money.parse(value.toPlainString());
        } catch (IllegalArgumentException e) {
            problems.add(field, e.getMessage());
            return null;
        }
    }

    private static AlertSettings.SpikeRule spike(JsonNode node, AlertSettings.SpikeRule d, Problems problems) {
        if (node == null || node.isNull()) {
            return d;
        }
        JsonFields f = new JsonFields(node, "alerts.rate_spike.", problems);
        Long window = f.integer("window_minutes", 1, 1440, false);
        Long factor = f.integer("factor", 1, 1_000_000, false);
        Long min = f.integer("min_requests", 1, Long.MAX_VALUE / 1000, false);
        Long warmup = f.integer("warmup_windows", 0, 100_000, false);
        Long smoothing = f.integer("smoothing", 1, 100_000, false);
        f.rejectUnknown();
        return new AlertSettings.SpikeRule(window == null ? d.window() : Duration.ofMinutes(window),
                factor == null ? d.factor() : factor.intValue(), min == null ? d.minRequests() : min,
                warmup == null ? d.warmupWindows() : warmup.intValue(),
                smoothing == null ? d.smoothing() : smoothing.intValue());
    }

    private static AlertSettings.ForecastRule forecast(JsonNode node, AlertSettings.ForecastRule d,
                                                       Problems problems) {
        if (node == null || node.isNull()) {
            return d;
        }
        JsonFields f = new JsonFields(node, "alerts.forecast.", problems);
        Long hours = f.integer("min_elapsed_hours", 0, 24 * 31, false);
        Long percent = f.integer("min_percent", 0, 100, false);
        f.rejectUnknown();
        return new AlertSettings.ForecastRule(hours == null ? d.minElapsed() : Duration.ofHours(hours),
                percent == null ? d.minPercent() : percent.intValue(), d.checkEvery());
    }
}
