package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.gateway.UpstreamType;
import dev.tally.core.metric.Metrics;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Anthropic's Messages API, plain and streamed. The key comes as {@code x-api-key} (or {@code Authorization: Bearer},
 * as the SDKs send an auth token) and goes as {@code x-api-key}.
 *
 * <p>Usage: {@code usage} of a plain answer; in a stream, {@code message_start}'s {@code message.usage} and then each
 * {@code message_delta}'s {@code usage}, which is <em>cumulative</em>: each field's last value counts, never the sum
 * (summing the deltas is how gateways have inflated output up to tenfold). {@code input_tokens} already excludes
 * cached tokens; {@code cache_read_input_tokens} become {@code cached_tokens} and
 * {@code cache_creation_input_tokens} become {@code cache_write_tokens}, each priced at its own price.
 */
final class AnthropicProvider implements Provider {
    private final ObjectMapper json;
    private final int copyLimit;

    AnthropicProvider(ObjectMapper json, int copyLimit) {
        this.json = json;
        this.copyLimit = copyLimit;
    }

    @Override
    public UpstreamType type() {
        return UpstreamType.ANTHROPIC;
    }

    @Override
    public String callerKey(Function<String, String> header) {
        String key = header.apply("x-api-key");
        return key != null ? key.trim() : HttpProvider.bearer(header.apply("authorization"));
    }

    @Override
    public Set<String> keyHeaders() {
        return Set.of("x-api-key", "authorization");
    }

    @Override
    public void authenticate(BiConsumer<String, String> header, String upstreamKey) {
        header.accept("x-api-key", upstreamKey);
    }

    @Override
    public boolean readsBody(String method, String endpoint, String contentType) {
        return Provider.postsJson(method, contentType);
    }

    @Override
    public CallPlan plan(String endpoint, byte[] body, JsonNode tree) {
        SortedMap<String, Long> estimate = new TreeMap<>();
        if (tree == null || !tree.isObject()) {
            return new CallPlan(null, null, estimate, null, false);
        }
        Quantities.put(estimate, Metrics.INPUT_TOKENS, Quantities.promptTokens(body.length));
        Quantities.put(estimate, Metrics.OUTPUT_TOKENS, Quantities.count(tree.get("max_tokens")));
        return new CallPlan(Quantities.text(tree.get("model")),
                Quantities.text(tree.path("metadata").get("user_id")), estimate, null, false);
    }

    @Override
    public Meter meter(String endpoint, CallPlan plan, int status, HttpHeaders headers) {
        String type = headers == null ? "" : headers.firstValue("content-type").orElse("");
        if (type.startsWith("text/event-stream")) {
            return new StreamMeter(plan);
        }
        return new JsonAnswerMeter(json, copyLimit, answer -> fromAnswer(plan, answer),
                () -> estimated(plan, null, Map.of(), 0));
    }

    /** Anthropic's usage fields, and the metric each becomes. */
    private static final Map<String, String> FIELDS = Map.of("input_tokens", Metrics.INPUT_TOKENS,
            "output_tokens", Metrics.OUTPUT_TOKENS, "cache_read_input_tokens", Metrics.CACHED_TOKENS,
            "cache_creation_input_tokens", Metrics.CACHE_WRITE_TOKENS);

    /** Lays the fields present in {@code u} over {@code last}: each field's latest value wins. */
    private static void overlay(JsonNode u, Map<String, Long> last) {
        FIELDS.forEach((field, metric) -> {
            JsonNode v = u.get(field);
            if (v != null && v.canConvertToLong()) {
                last.put(metric, Math.max(0, v.asLong()));
            }
        });
    }

    private static SortedMap<String, Long> micros(Map<String, Long> counts) {
        SortedMap<String, Long> m = new TreeMap<>();
        counts.forEach((metric, n) -> Quantities.put(m, metric, n));
        return m;
    }

    private static Usage estimated(CallPlan plan, String model, Map<String, Long> seen, long outputChars) {
        Map<String, Long> counts = new HashMap<>(seen);
        if (!counts.containsKey(Metrics.INPUT_TOKENS)) {
            Long input = plan.estimateMicros().get(Metrics.INPUT_TOKENS);
            counts.put(Metrics.INPUT_TOKENS, input == null ? 0 : input / dev.tally.core.metric.Quantity.ONE);
        }
        long fromText = (outputChars + Quantities.BYTES_PER_TOKEN - 1) / Quantities.BYTES_PER_TOKEN;
        counts.merge(Metrics.OUTPUT_TOKENS, fromText, Math::max);
        return new Usage(model != null ? model : plan.model(), micros(counts), true);
    }

    /** A plain message's usage, or the estimate when it carries none. */
    private Usage fromAnswer(CallPlan plan, JsonNode answer) {
        JsonNode u = answer.get("usage");
        String model = Quantities.text(answer.get("model"));
        if (u == null || !u.isObject()) {
            return estimated(plan, model, Map.of(), 0);
        }
        Map<String, Long> counts = new HashMap<>();
        overlay(u, counts);
        return new Usage(model, micros(counts), false);
    }

    private final class StreamMeter implements Meter {
        private final CallPlan plan;
        private final Map<String, Long> last = new HashMap<>();
        private String model;
        private boolean stopped;
        private long outputChars;

        StreamMeter(CallPlan plan) {
            this.plan = plan;
        }

        @Override
        public boolean eventStream() {
            return true;
        }

        @Override
        public boolean onEvent(byte[] event, int length) {
            SseEvent e = SseEvent.parse(event, length);
            if (e.data() == null || !e.data().startsWith("{")) {
                return true;
            }
            JsonNode data;
            try {
                data = json.readTree(e.data());
            } catch (IOException ex) {
                return true;
            }
            switch (data.path("type").asText()) {
                case "message_start" -> {
                    JsonNode message = data.path("message");
                    model = Quantities.text(message.get("model"));
                    overlay(message.path("usage"), last);
                }
                case "message_delta" -> overlay(data.path("usage"), last); // cumulative: the last value counts
                case "content_block_delta" -> {
                    JsonNode delta = data.path("delta");
                    String text = Quantities.text(delta.has("text") ? delta.get("text") : delta.get("thinking"));
                    outputChars += text == null ? 0 : text.length();
                }
                case "message_stop" -> stopped = true;
                default -> {
                }
            }
            return true;
        }

        @Override
        public Usage finish(boolean complete) {
            if (stopped || (complete && !last.isEmpty())) {
                return new Usage(model != null ? model : plan.model(), micros(last), false);
            }
            // Before message_stop the output count is only as far as the last message_delta, if any: estimate.
            return estimated(plan, model, last, outputChars);
        }
    }

    @Override
    public byte[] error(ErrorKind kind, String message) {
        // Anthropic's error: {"type": "error", "error": {"type", "message"}}.
        ObjectNode o = json.createObjectNode();
        o.put("type", "error");
        ObjectNode e = o.putObject("error");
        e.put("type", switch (kind) {
            case BAD_REQUEST -> "invalid_request_error";
            case AUTHENTICATION -> "authentication_error";
            case NOT_FOUND -> "not_found_error";
            case TOO_LARGE -> "request_too_large";
            case RATE_LIMITED, QUOTA_EXCEEDED -> "rate_limit_error";
            case UNAVAILABLE -> "overloaded_error";
            case UPSTREAM_FAILED, TIMEOUT -> "api_error";
        });
        e.put("message", message);
        return HttpProvider.write(json, o);
    }
}
