package dev.tally.server.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.bounds.Bounds;
import dev.tally.core.event.EndUsers;
import dev.tally.core.event.StoredEvent;
import dev.tally.core.event.UsageEvent;
import dev.tally.core.ingest.EventCandidate;
import dev.tally.core.ingest.EventIds;
import dev.tally.core.ingest.IngestResult;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.problem.FieldError;
import dev.tally.core.problem.Problems;

import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Usage events in JSON: reading the three body shapes of {@code POST /v1/events} (one event, an array, or
 * {@code {"events": [...]}}) into candidates with per-item problems, writing the report of what became of them, and
 * writing stored events for the log.
 */
public final class EventJson {
    /** The most events one request may carry. */
    public static final int MAX_BATCH = 10_000;
    private static final int MAX_METADATA_CHARS = 8_192;
    static final int MAX_USAGE_METRICS = 64;

    private final ObjectMapper json;

    public EventJson(ObjectMapper json) {
        this.json = json;
    }

    /** The event objects of a request body, in order. */
    public static List<JsonNode> items(JsonNode body) {
        List<JsonNode> items = new ArrayList<>();
        if (body.isArray()) {
            body.forEach(items::add);
        } else if (body.isObject() && body.size() == 1 && body.has("events") && body.get("events").isArray()) {
            body.get("events").forEach(items::add);
        } else {
            items.add(body);
        }
        return items;
    }

    /**
     * The ingestion report as JSON bytes; written by hand when nothing was rejected (nearly always, and for a single
     * event the answer is most of what is left to do after the commit), through the tree otherwise.
     */
    public byte[] report(IngestResult result) {
        if (result.rejected().isEmpty()) {
            return ("{\"accepted\":" + result.accepted() + ",\"duplicates\":" + result.duplicates()
                    + ",\"rejected\":[]}").getBytes(StandardCharsets.US_ASCII);
        }
        ObjectNode out = json.createObjectNode();
        out.put("accepted", result.accepted());
        out.put("duplicates", result.duplicates());
        ArrayNode rejected = out.putArray("rejected");
        for (IngestResult.Rejection r : result.rejected()) {
            ObjectNode row = rejected.addObject();
            row.put("index", r.index());
            row.put("id", r.id());
            ArrayNode errors = row.putArray("errors");
            for (FieldError e : r.errors()) {
                errors.addObject().put("field", e.field()).put("message", e.message());
            }
        }
        try {
            return json.writeValueAsBytes(out);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses one event; problems make it an invalid candidate, never an exception. */
    public EventCandidate parse(int index, JsonNode node, Instant now) {
        Problems problems = new Problems();
        JsonFields f = new JsonFields(node, "", problems);
        String id = f.text("id", false);
        String customer = f.text("customer", true);
        Instant timestamp = f.timestamp("timestamp");
        String provider = f.text("provider", false);
        String model = f.text("model", false);
        String endpoint = f.text("endpoint", false);
        String method = f.text("method", false);
        Long status = f.integer("status", 100, 599, false);
        Long latency = f.integer("latency_ms", 0, 86_400_000L, false);
        String user = f.text("user", false, EndUsers.MAX_USER_CHARS);
        TreeMap<String, String> dimensions = f.dimensions("dimensions");
        TreeMap<String, Long> usage = usage(f.raw("usage"), problems);
        Money cost = cost(f.raw("cost"), problems);
        String reservation = f.text("reservation", false);
        String metadata = metadata(f.raw("metadata"), problems);
        f.rejectUnknown();
        if (!problems.isEmpty()) {
            return EventCandidate.invalid(index, id, problems.list());
        }
        UsageEvent event = new UsageEvent(id == null ? EventIds.generate(now) : id, customer,
                timestamp == null ? now : timestamp, provider, model, endpoint, method,
                status == null ? null : status.intValue(), latency, user, usage, cost, reservation, metadata, null,
                dimensions);
        return EventCandidate.valid(index, id, event);
    }

    private static TreeMap<String, Long> usage(JsonNode node, Problems problems) {
        TreeMap<String, Long> usage = new TreeMap<>();
        if (node == null) {
            return usage;
        }
        if (!node.isObject()) {
            problems.add("usage", "must be an object of metric quantities, was " + JsonFields.describe(node));
            return usage;
        }
        if (node.size() > MAX_USAGE_METRICS) {
            problems.add("usage", "must have at most " + MAX_USAGE_METRICS + " metrics, had " + node.size());
            return usage;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String metric = e.getKey();
            String field = "usage." + metric;
            if (Metrics.DERIVED.contains(metric)) {
                problems.add(field, "is derived by Tally and may not be sent");
                continue;
            }
            if (!Metrics.isValidName(metric)) {
                problems.add(field, "must be a lower_snake_case metric name (a-z, 0-9, _)");
                continue;
            }
            JsonNode value = e.getValue();
            if (!value.isNumber()) {
                problems.add(field, "must be a number, was " + JsonFields.describe(value));
                continue;
            }
            BigDecimal quantity = value.decimalValue();
            if (Metrics.isInteger(metric) && Bounds.digitsProblem(quantity) == null
                    && quantity.stripTrailingZeros().scale() > 0) {
                problems.add(field, "must be a whole number, was " + quantity.toPlainString());
                continue;
            }
            try {
                usage.put(metric, Quantity.eventMicros(quantity));
            } catch (IllegalArgumentException ex) {
                problems.add(field, ex.getMessage());
            }
        }
        return usage;
    }

    private static Money cost(JsonNode node, Problems problems) {
        if (node == null) {
            return null;
        }
        if (!node.isTextual()) {
            problems.add("cost", "must be a decimal string such as \"0.0125\", was " + JsonFields.describe(node));
            return null;
        }
        try {
            return Money.parseEventCost(node.asText());
        } catch (IllegalArgumentException e) {
            problems.add("cost", e.getMessage());
            return null;
        }
    }

    private static String metadata(JsonNode node, Problems problems) {
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            problems.add("metadata", "must be an object, was " + JsonFields.describe(node));
            return null;
        }
        String text = node.toString();
        if (text.length() > MAX_METADATA_CHARS) {
            problems.add("metadata", "must be at most " + MAX_METADATA_CHARS + " characters as JSON, was "
                    + text.length());
            return null;
        }
        return text;
    }

    /** Writes a stored event for the itemized log. */
    public ObjectNode write(StoredEvent stored) {
        UsageEvent e = stored.event();
        ObjectNode out = json.createObjectNode();
        out.put("id", e.id());
        out.put("customer", e.customerId());
        out.put("timestamp", e.timestamp().toString());
        putText(out, "provider", e.provider());
        putText(out, "model", e.model());
        putText(out, "endpoint", e.endpoint());
        putText(out, "method", e.method());
        if (e.status() == null) {
            out.putNull("status");
        } else {
            out.put("status", e.status());
        }
        if (e.latencyMs() == null) {
            out.putNull("latency_ms");
        } else {
            out.put("latency_ms", e.latencyMs());
        }
        putText(out, "user", e.user());
        ObjectNode dimensions = out.putObject("dimensions");
        e.dimensions().forEach(dimensions::put);
        ObjectNode usage = out.putObject("usage");
        e.usage().forEach((metric, micros) -> usage.putPOJO(metric, Quantity.toNumber(micros)));
        out.put("tokens", Metrics.tokenMicros(e.usage()) / Quantity.ONE);
        out.put("cost", stored.cost().toPlainString());
        out.put("unpriced", stored.unpriced());
        putText(out, "reservation", e.reservation());
        if (e.metadataJson() == null) {
            out.putNull("metadata");
        } else {
            try {
                out.set("metadata", json.readTree(e.metadataJson()));
            } catch (java.io.IOException ex) {
                out.put("metadata", e.metadataJson());
            }
        }
        out.put("received_at", RecordedTime.format(stored.receivedAt()));
        out.set("cloudevent", CloudEventJson.write(stored, json));
        return out;
    }

    private static void putText(ObjectNode out, String field, String value) {
        if (value == null) {
            out.putNull(field);
        } else {
            out.put(field, value);
        }
    }
}
