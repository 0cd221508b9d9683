package dev.tally.server.json;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.problem.Problems;
import dev.tally.core.usage.LimitState;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The body of {@code POST /v1/authorize} and {@code /v1/check}, and the decision they answer. */
public final class DecisionJson {
    private final ObjectMapper json;
    private final UsageJson usageJson;

    public DecisionJson(ObjectMapper json) {
        this.json = json;
        this.usageJson = new UsageJson(json);
    }

    /** Parses a call; every problem is collected and thrown as one validation error. */
    public CallRequest parse(JsonNode body) {
        Problems problems = new Problems();
        JsonFields f = new JsonFields(body, "", problems);
        String customer = f.text("customer", true);
        String provider = f.text("provider", false);
        String model = f.text("model", false);
        String endpoint = f.text("endpoint", false);
        CallEstimate estimate = estimate(f.raw("estimate"), problems);
        Long ttl = f.integer("ttl_seconds", 1, CallRequest.MAX_TTL.toSeconds(), false);
        f.rejectUnknown();
        problems.throwIfAny("The call is not valid; nothing was reserved");
        return new CallRequest(customer, provider, model, endpoint, estimate,
                ttl == null ? CallRequest.DEFAULT_TTL : Duration.ofSeconds(ttl));
    }

    private static CallEstimate estimate(JsonNode node, Problems problems) {
        if (node == null) {
            return CallEstimate.requestOnly();
        }
        if (!node.isObject()) {
            problems.add("estimate", "must be an object of metric quantities, was " + JsonFields.describe(node));
            return CallEstimate.requestOnly();
        }
        TreeMap<String, Long> metrics = new TreeMap<>();
        Long tokens = null;
        Money cost = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String metric = e.getKey();
            String field = "estimate." + metric;
            JsonNode value = e.getValue();
            if (Metrics.COST.equals(metric)) {
                cost = cost(field, value, problems);
            } else if (Metrics.REQUESTS.equals(metric)) {
                if (!value.isIntegralNumber() || value.longValue() != 1) {
                    problems.add(field, "is always 1 (every call is one request), was " + JsonFields.describe(value));
                }
            } else if (!Metrics.isValidName(metric)) {
                problems.add(field, "must be a lower_snake_case metric name (a-z, 0-9, _)");
            } else {
                Long micros = quantity(field, metric, value, problems);
                if (micros != null && Metrics.TOKENS.equals(metric)) {
                    tokens = micros;
                } else if (micros != null) {
                    metrics.put(metric, micros);
                }
            }
        }
        return new CallEstimate(metrics, tokens, cost);
    }

    private static Long quantity(String field, String metric, JsonNode value, Problems problems) {
        if (!value.isNumber()) {
            problems.add(field, "must be a number, was " + JsonFields.describe(value));
            return null;
        }
        BigDecimal q = value.decimalValue();
        if (Metrics.isInteger(metric) && q.stripTrailingZeros().scale() > 0) {
            problems.add(field, "must be a whole number, was " + q.toPlainString());
            return null;
        }
        try {
            return Quantity.toMicros(q);
        } catch (IllegalArgumentException e) {
            problems.add(field, e.getMessage());
            return null;
        }
    }

    private static Money cost(String field, JsonNode value, Problems problems) {
        if (!value.isTextual()) {
            problems.add(field, "must be a decimal string such as \"0.25\", was " + JsonFields.describe(value));
            return null;
        }
        try {
            return Money.parse(value.asText());
        } catch (IllegalArgumentException e) {
            problems.add(field, e.getMessage());
            return null;
        }
    }

    /** The decision as the contract shows it. */
    public ObjectNode write(Decision d) {
        ObjectNode out = json.createObjectNode();
        out.put("allowed", d.allowed());
        if (d.allowed()) {
            out.put("reservation", d.reservationId());
        } else {
            out.put("code", d.code().wireName());
            if (d.deciding() == null) {
                out.putNull("limit");
            } else {
                state(out.putObject("limit"), d.deciding());
            }
            out.put("retry_after_seconds", d.retryAfterSeconds());
            out.put("message", d.message());
        }
        ArrayNode limits = out.putArray("limits");
        d.limits().forEach(l -> state(limits.addObject(), l));
        return out;
    }

    private void state(ObjectNode out, LimitDecision d) {
        ArrayNode one = json.createArrayNode();
        usageJson.limits(one, List.of(d.state()));
        out.setAll((ObjectNode) one.get(0));
        LimitState s = d.state();
        LimitJson.putAmount(out, "reserved", s.limit().metric(), d.reserved());
        if (d.wouldDeny()) {
            out.put("would_deny", true);
        }
    }
}
