package dev.tally.server.json;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.bounds.Bounds;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.LimitDecision;
import dev.tally.core.event.EndUsers;
import dev.tally.core.limit.Limit;
import dev.tally.core.metric.MetricUnit;
import dev.tally.core.metric.Metrics;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.period.IsoInstant;
import dev.tally.core.problem.Problems;
import dev.tally.core.limit.LimitState;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    /**
     * Parses a call that is valid and written in the common way, streaming, without a tree; null for anything else
     * (not JSON, a problem, an unusual form such as {@code "ttl_seconds": 5.0}), which {@link #parse} then reads and
     * reports. Why two paths: every authorization is parsed, and the tree with its field bookkeeping cost more than
     * the decision; only valid input takes the fast path, so every error answer comes from the one validating path.
     */
    public CallRequest parseValid(byte[] body) {
        try (JsonParser p = json.getFactory().createParser(body)) {
            CallRequest call = FastCall.read(p);
            return call != null && p.nextToken() == null ? call : null;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    /** The fast path of {@link #parseValid}: the same rules as {@link #parse}, giving up on anything doubtful. */
    private static final class FastCall {
        static CallRequest read(JsonParser p) throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String customer = null;
            String provider = null;
            String model = null;
            String endpoint = null;
            CallEstimate estimate = CallEstimate.requestOnly();
            Duration ttl = CallRequest.DEFAULT_TTL;
            String user = null;
            TreeMap<String, String> dimensions = null;
            for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
                JsonToken value = p.nextToken();
                if (value == JsonToken.VALUE_NULL) {
                    continue; // null is absent, as in the tree path
                }
                switch (field) {
                    case "customer" -> customer = text(p, value);
                    case "provider" -> provider = text(p, value);
                    case "model" -> model = text(p, value);
                    case "endpoint" -> endpoint = text(p, value);
                    case "estimate" -> estimate = estimate(p, value);
                    case "ttl_seconds" -> ttl = ttl(p, value);
                    case "user" -> {
                        user = text(p, value);
                        if (!EndUsers.isValidUser(user)) {
                            return null;
                        }
                    }
                    case "dimensions" -> {
                        dimensions = dimensions(p, value);
                        if (dimensions == null) {
                            return null;
                        }
                    }
                    default -> {
                        return null;
                    }
                }
                if (estimate == null || ttl == null || !valid(field, customer, provider, model, endpoint)) {
                    return null;
                }
            }
            return p.currentToken() == JsonToken.END_OBJECT && customer != null
                    ? new CallRequest(customer, provider, model, endpoint, estimate, ttl, user, dimensions) : null;
        }

        /** The dimensions object when every key and value is valid, else null. */
        private static TreeMap<String, String> dimensions(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.START_OBJECT) {
                return null;
            }
            TreeMap<String, String> dimensions = new TreeMap<>();
            for (String key = p.nextFieldName(); key != null; key = p.nextFieldName()) {
                if (p.nextToken() != JsonToken.VALUE_STRING || !EndUsers.isValidKey(key)
                        || !EndUsers.isValidValue(p.getText()) || dimensions.put(key, p.getText()) != null
                        || dimensions.size() > EndUsers.MAX_DIMENSIONS) {
                    return null;
                }
            }
            return dimensions;
        }

        /** Whether the text field just read was valid (a null here means it was not). */
        private static boolean valid(String field, String customer, String provider, String model, String endpoint) {
            return switch (field) {
                case "customer" -> customer != null;
                case "provider" -> provider != null;
                case "model" -> model != null;
                case "endpoint" -> endpoint != null;
                default -> true;
            };
        }

        private static String text(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.VALUE_STRING) {
                return null;
            }
            String text = p.getText();
            return text.isEmpty() || text.length() > JsonFields.MAX_TEXT ? null : text;
        }

        private static Duration ttl(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                return null;
            }
            long seconds = p.getLongValue();
            return seconds >= 1 && seconds <= CallRequest.MAX_TTL.toSeconds() ? Duration.ofSeconds(seconds) : null;
        }

        private static CallEstimate estimate(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.START_OBJECT) {
                return null;
            }
            TreeMap<String, Long> metrics = new TreeMap<>();
            Long tokens = null;
            Money cost = null;
            for (String metric = p.nextFieldName(); metric != null; metric = p.nextFieldName()) {
                JsonToken token = p.nextToken();
                if (Metrics.COST.equals(metric)) {
                    if (token != JsonToken.VALUE_STRING) {
                        return null;
                    }
                    cost = Money.parseEventCost(p.getText()); // a problem throws, and the caller gives up
                } else if (Metrics.REQUESTS.equals(metric)) {
                    if (token != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
                            || p.getLongValue() != 1) {
                        return null;
                    }
                } else {
                    Long micros = quantity(p, token, metric);
                    if (micros == null) {
                        return null;
                    }
                    if (Metrics.TOKENS.equals(metric)) {
                        tokens = micros;
                    } else {
                        metrics.put(metric, micros);
                    }
                }
            }
            return new CallEstimate(metrics, tokens, cost);
        }

        private static Long quantity(JsonParser p, JsonToken token, String metric) throws IOException {
            if (!Metrics.isValidName(metric)) {
                return null;
            }
            if (token == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                long units = p.getLongValue();
                return units >= 0 && units <= Bounds.MAX_QUANTITY_UNITS ? units * Quantity.ONE : null;
            }
            if (token == JsonToken.VALUE_NUMBER_FLOAT && !Metrics.isInteger(metric)) {
                return Quantity.eventMicros(p.getDecimalValue()); // a problem throws, and the caller gives up
            }
            return null;
        }
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
        String user = f.text("user", false, EndUsers.MAX_USER_CHARS);
        TreeMap<String, String> dimensions = f.dimensions("dimensions");
        f.rejectUnknown();
        problems.throwIfAny("The call is not valid; nothing was reserved");
        return new CallRequest(customer, provider, model, endpoint, estimate,
                ttl == null ? CallRequest.DEFAULT_TTL : Duration.ofSeconds(ttl), user, dimensions);
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
        if (Metrics.isInteger(metric) && Bounds.digitsProblem(q) == null && q.stripTrailingZeros().scale() > 0) {
            problems.add(field, "must be a whole number, was " + q.toPlainString());
            return null;
        }
        try {
            return Quantity.eventMicros(q);
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
            return Money.parseEventCost(value.asText());
        } catch (IllegalArgumentException e) {
            problems.add(field, e.getMessage());
            return null;
        }
    }

    /**
     * The decision as the contract shows it, as UTF-8 bytes written straight from the decision: the same text as
     * {@link #write} (a test holds them equal), without building a tree first, because every authorization answers
     * one.
     */
    public byte[] writeBytes(Decision d) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1536);
        try (JsonGenerator g = json.getFactory().createGenerator(bytes)) {
            g.writeStartObject();
            g.writeBooleanField("allowed", d.allowed());
            if (d.allowed()) {
                g.writeStringField("reservation", d.reservationId());
            } else {
                g.writeStringField("code", d.code().wireName());
                g.writeFieldName("limit");
                if (d.deciding() == null) {
                    g.writeNull();
                } else {
                    state(g, d.deciding());
                }
                g.writeNumberField("retry_after_seconds", d.retryAfterSeconds());
                g.writeStringField("message", d.message());
            }
            g.writeArrayFieldStart("limits");
            for (LimitDecision l : d.limits()) {
                state(g, l);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory cannot fail", e);
        }
        return bytes.toByteArray();
    }

    /** One limit's state, as {@link UsageJson#limits} writes it, with {@code reserved} and {@code would_deny}. */
    private static void state(JsonGenerator g, LimitDecision d) throws IOException {
        LimitState s = d.state();
        Limit limit = s.limit();
        String metric = limit.metric();
        g.writeStartObject();
        g.writeStringField("name", limit.name());
        g.writeStringField("metric", metric);
        g.writeStringField("provider", limit.provider());
        g.writeStringField("model", limit.model());
        g.writeStringField("endpoint", limit.endpoint());
        g.writeStringField("window", limit.window().wireName());
        amount(g, "amount", metric, limit.amount());
        amount(g, "used", metric, s.used());
        amount(g, "remaining", metric, s.remaining());
        g.writeFieldName("percent");
        if (s.percent() == null) {
            g.writeNull();
        } else {
            g.writeNumber(s.percent());
        }
        g.writeStringField("status", s.status().wireName());
        g.writeStringField("mode", limit.mode().wireName());
        g.writeStringField("resets_at", IsoInstant.format(s.resetsAt()));
        amount(g, "reserved", metric, d.reserved());
        if (d.wouldDeny()) {
            g.writeBooleanField("would_deny", true);
        }
        if (limit.isEndUserScoped()) {
            endUserFields(g, d);
        }
        g.writeEndObject();
    }

    /** A limit on end users: its filters, its {@code per}, and whose counter the state is ({@code per_value}). */
    private static void endUserFields(JsonGenerator g, LimitDecision d) throws IOException {
        Limit limit = d.state().limit();
        if (limit.user() != null) {
            g.writeStringField("user", limit.user());
        }
        if (!limit.dimensions().isEmpty()) {
            g.writeObjectFieldStart("dimensions");
            for (var pair : limit.dimensions().entrySet()) {
                g.writeStringField(pair.getKey(), pair.getValue());
            }
            g.writeEndObject();
        }
        if (limit.per() != null) {
            g.writeStringField("per", limit.per());
            g.writeStringField("per_value", d.perValue());
        }
    }

    /** {@link LimitJson#putAmount}, streamed. */
    private static void amount(JsonGenerator g, String field, String metric, BigDecimal amount) throws IOException {
        g.writeFieldName(field);
        if (amount == null) {
            g.writeNull();
        } else if (MetricUnit.of(metric).isMoney()) {
            g.writeString(Money.ofRounded(amount).toPlainString());
        } else if (amount.stripTrailingZeros().scale() <= 0) {
            g.writeNumber(amount.longValue());
        } else {
            g.writeNumber(amount.stripTrailingZeros());
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
        if (d.perValue() != null) {
            out.put("per_value", d.perValue());
        }
    }
}
