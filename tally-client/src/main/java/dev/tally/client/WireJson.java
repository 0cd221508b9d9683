package dev.tally.client;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The wire format of the client's types: requests written and answers read by hand from JSON trees, so that the
 * mapping is visible here (no annotations on the public records) and answers may grow fields without breaking it.
 *
 * <p>Numbers are read as exact decimals and written in plain notation; money travels as decimal strings.
 */
final class WireJson {
    /** Fields of a usage report's totals that are not sums of a sent metric. */
    private static final Set<String> DERIVED_TOTALS = Set.of("requests", "errors", "tokens", "cost");

    private final ObjectMapper json = JsonMapper.builder()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            // Keep "24.0" as 24.0, not 2.4E+1: percentages and amounts read as the server wrote them.
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .enable(JsonGenerator.Feature.WRITE_BIGDECIMAL_AS_PLAIN)
            .build();

    ObjectMapper mapper() {
        return json;
    }

    String write(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** The tree of {@code text}, or null when it is not JSON. */
    JsonNode readOrNull(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    // ---- requests

    ObjectNode call(Call call) {
        ObjectNode out = json.createObjectNode();
        out.put("customer", call.customer());
        putIfSet(out, "provider", call.provider());
        putIfSet(out, "model", call.model());
        putIfSet(out, "endpoint", call.endpoint());
        if (!call.estimate().isEmpty()) {
            ObjectNode estimate = out.putObject("estimate");
            call.estimate().forEach((metric, quantity) -> {
                if ("cost".equals(metric)) {
                    estimate.put(metric, Numbers.toDecimal(quantity).toPlainString());
                } else {
                    putNumber(estimate, metric, quantity);
                }
            });
        }
        if (call.ttl() != null) {
            out.put("ttl_seconds", call.ttl().toSeconds());
        }
        return out;
    }

    ArrayNode events(List<Event> events) {
        ArrayNode out = json.createArrayNode();
        for (Event e : events) {
            ObjectNode o = out.addObject();
            putIfSet(o, "id", e.id());
            o.put("customer", e.customer());
            if (e.timestamp() != null) {
                o.put("timestamp", e.timestamp().toString());
            }
            putIfSet(o, "provider", e.provider());
            putIfSet(o, "model", e.model());
            putIfSet(o, "endpoint", e.endpoint());
            putIfSet(o, "method", e.method());
            if (e.status() != null) {
                o.put("status", e.status());
            }
            if (e.latencyMs() != null) {
                o.put("latency_ms", e.latencyMs());
            }
            putIfSet(o, "user", e.user());
            if (!e.usage().isEmpty()) {
                ObjectNode usage = o.putObject("usage");
                e.usage().forEach((metric, quantity) -> putNumber(usage, metric, quantity));
            }
            if (e.cost() != null) {
                o.put("cost", e.cost().toPlainString());
            }
            putIfSet(o, "reservation", e.reservation());
            if (!e.metadata().isEmpty()) {
                ObjectNode metadata = o.putObject("metadata");
                e.metadata().forEach(metadata::put);
            }
        }
        return out;
    }

    // ---- answers

    Decision decision(JsonNode node, RateLimitHeaders headers) {
        List<LimitState> limits = new ArrayList<>();
        for (JsonNode l : node.path("limits")) {
            limits.add(limit(l));
        }
        JsonNode limit = node.get("limit");
        return new Decision(node.path("allowed").asBoolean(false), text(node, "reservation"), text(node, "code"),
                node.path("retry_after_seconds").asLong(0), text(node, "message"),
                limit == null || limit.isNull() ? null : limit(limit), limits, headers);
    }

    IngestResult ingestResult(JsonNode node) {
        List<IngestResult.Rejection> rejected = new ArrayList<>();
        for (JsonNode r : node.path("rejected")) {
            rejected.add(new IngestResult.Rejection(r.path("index").asInt(-1), text(r, "id"), fieldErrors(r)));
        }
        return new IngestResult(node.path("accepted").asInt(), node.path("duplicates").asInt(), rejected);
    }

    Usage usage(JsonNode node) {
        JsonNode p = node.path("period");
        JsonNode t = node.path("totals");
        Map<String, BigDecimal> metrics = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : t.properties()) {
            if (!DERIVED_TOTALS.contains(e.getKey()) && e.getValue().isNumber()) {
                metrics.put(e.getKey(), e.getValue().decimalValue());
            }
        }
        Usage.Totals totals = new Usage.Totals(t.path("requests").asLong(), t.path("errors").asLong(),
                t.path("tokens").asLong(), decimal(t.get("cost")), metrics);
        List<LimitState> limits = new ArrayList<>();
        for (JsonNode l : node.path("limits")) {
            limits.add(limit(l));
        }
        return new Usage(text(node, "customer"), text(node, "plan"),
                new Usage.Period(instant(p, "start"), instant(p, "end"), instant(p, "resets_at")), totals, limits,
                node.path("unpriced_events").asLong());
    }

    List<FieldError> fieldErrors(JsonNode node) {
        List<FieldError> errors = new ArrayList<>();
        for (JsonNode e : node.path("errors")) {
            errors.add(new FieldError(e.path("field").asText(""), e.path("message").asText("")));
        }
        return errors;
    }

    private LimitState limit(JsonNode l) {
        return new LimitState(text(l, "name"), text(l, "metric"), text(l, "provider"), text(l, "model"),
                text(l, "endpoint"), text(l, "window"), decimal(l.get("amount")), decimal(l.get("used")),
                decimal(l.get("remaining")), decimal(l.get("percent")), text(l, "status"), text(l, "mode"),
                instant(l, "resets_at"), decimal(l.get("reserved")), l.path("would_deny").asBoolean(false));
    }

    // ---- helpers

    private static void putIfSet(ObjectNode out, String field, String value) {
        if (value != null) {
            out.put(field, value);
        }
    }

    /** A whole number as an integer, anything else as an exact plain decimal. */
    private static void putNumber(ObjectNode out, String field, Number value) {
        BigDecimal d = Numbers.toDecimal(value);
        if (d.signum() == 0 || d.stripTrailingZeros().scale() <= 0) {
            try {
                out.put(field, d.longValueExact());
                return;
            } catch (ArithmeticException tooLarge) {
                // Falls through: the server answers a clear 400 for a quantity that does not fit.
            }
        }
        out.put(field, d);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /** An amount: a decimal string (money) or a number; null when absent or null. */
    private static BigDecimal decimal(JsonNode v) {
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isTextual() ? new BigDecimal(v.asText()) : v.decimalValue();
    }

    private static Instant instant(JsonNode node, String field) {
        String text = text(node, field);
        return text == null ? null : Instant.parse(text);
    }
}
