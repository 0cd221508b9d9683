package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.gateway.UpstreamType;
import dev.tally.core.metric.Metrics;

import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * OpenAI and OpenAI-compatible APIs: chat completions, completions, embeddings and the Responses API, plain and
 * streamed. The key comes and goes as {@code Authorization: Bearer}.
 *
 * <p>Usage is OpenAI's own: {@code usage} of the answer (of the last chunk of a stream, whose {@code choices} is
 * empty; of {@code response.completed} for the Responses API). {@code prompt_tokens_details.cached_tokens} (or
 * {@code input_tokens_details.cached_tokens}) become {@code cached_tokens} and are taken out of {@code input_tokens},
 * so they are priced once, at their own price; {@code reasoning_tokens} are recorded beside {@code output_tokens},
 * which already hold them. A chat or completions stream that did not ask for usage is sent upstream with
 * {@code stream_options.include_usage: true}, and the usage chunk this adds is removed from what the caller gets.
 */
final class OpenAiProvider implements Provider {
    private final ObjectMapper json;
    private final int copyLimit;

    OpenAiProvider(ObjectMapper json, int copyLimit) {
        this.json = json;
        this.copyLimit = copyLimit;
    }

    @Override
    public UpstreamType type() {
        return UpstreamType.OPENAI;
    }

    @Override
    public String callerKey(Function<String, String> header) {
        return HttpProvider.bearer(header.apply("authorization"));
    }

    @Override
    public Set<String> keyHeaders() {
        return Set.of("authorization");
    }

    @Override
    public void authenticate(BiConsumer<String, String> header, String upstreamKey) {
        header.accept("Authorization", "Bearer " + upstreamKey);
    }

    @Override
    public boolean readsBody(String method, String endpoint, String contentType) {
        return Provider.postsJson(method, contentType);
    }

    /** Chat and legacy completions stream chunks that can carry usage only when asked. */
    private static boolean streamsChunks(String endpoint) {
        return endpoint.endsWith("/chat/completions") || endpoint.endsWith("/completions");
    }

    @Override
    public CallPlan plan(String endpoint, byte[] body, JsonNode tree) {
        SortedMap<String, Long> estimate = new TreeMap<>();
        if (tree == null || !tree.isObject()) {
            return new CallPlan(null, null, estimate, null, false);
        }
        Quantities.put(estimate, Metrics.INPUT_TOKENS, Quantities.promptTokens(body.length));
        long maxOut = Quantities.count(tree.get("max_completion_tokens"));
        if (maxOut == 0) {
            maxOut = Quantities.count(tree.get("max_tokens"));
        }
        if (maxOut == 0) {
            maxOut = Quantities.count(tree.get("max_output_tokens"));
        }
        Quantities.put(estimate, Metrics.OUTPUT_TOKENS, maxOut);
        String model = Quantities.text(tree.get("model"));
        String user = Quantities.text(tree.get("user"));
        byte[] send = null;
        boolean asked = false;
        if (streamsChunks(endpoint) && tree.path("stream").asBoolean(false)
                && !tree.path("stream_options").path("include_usage").asBoolean(false)) {
            ObjectNode copy = ((ObjectNode) tree).deepCopy();
            JsonNode options = copy.get("stream_options");
            ObjectNode o = options instanceof ObjectNode on ? on : copy.putObject("stream_options");
            o.put("include_usage", true);
            send = HttpProvider.write(json, copy);
            asked = true;
        }
        return new CallPlan(model, user, estimate, send, asked);
    }

    @Override
    public Meter meter(String endpoint, CallPlan plan, int status, HttpHeaders headers) {
        String type = headers == null ? "" : headers.firstValue("content-type").orElse("");
        if (type.startsWith("text/event-stream")) {
            return new StreamMeter(plan);
        }
        return new JsonAnswerMeter(json, copyLimit, answer -> fromAnswer(plan, answer), () -> estimated(plan, null, 0));
    }

    /** The usage object of an answer (chat, completions, embeddings or Responses) as event quantities. */
    static SortedMap<String, Long> usage(JsonNode u) {
        SortedMap<String, Long> micros = new TreeMap<>();
        boolean responses = u.has("input_tokens") || u.has("output_tokens");
        long input = Quantities.count(u.get(responses ? "input_tokens" : "prompt_tokens"));
        long output = Quantities.count(u.get(responses ? "output_tokens" : "completion_tokens"));
        long cached = Quantities.count(u.path(responses ? "input_tokens_details" : "prompt_tokens_details")
                .get("cached_tokens"));
        long reasoning = Quantities.count(u.path(responses ? "output_tokens_details" : "completion_tokens_details")
                .get("reasoning_tokens"));
        // OpenAI counts cached prompt tokens inside the prompt tokens: take them out, or they are paid twice.
        Quantities.put(micros, Metrics.INPUT_TOKENS, Math.max(0, input - cached));
        Quantities.put(micros, Metrics.CACHED_TOKENS, cached);
        Quantities.put(micros, Metrics.OUTPUT_TOKENS, output);
        Quantities.put(micros, Metrics.REASONING_TOKENS, reasoning);
        return micros;
    }

    /** The estimate of a call the provider did not report on: the prompt as estimated, plus output seen. */
    private static Usage estimated(CallPlan plan, String model, long outputTokens) {
        SortedMap<String, Long> micros = new TreeMap<>();
        Long input = plan.estimateMicros().get(Metrics.INPUT_TOKENS);
        if (input != null) {
            micros.put(Metrics.INPUT_TOKENS, input);
        }
        Quantities.put(micros, Metrics.OUTPUT_TOKENS, outputTokens);
        return new Usage(model != null ? model : plan.model(), micros, true);
    }

    /** A plain answer's usage, or the estimate when it carries none. */
    private Usage fromAnswer(CallPlan plan, JsonNode answer) {
        JsonNode u = answer.get("usage");
        String model = Quantities.text(answer.get("model"));
        if (u == null || !u.isObject()) {
            return estimated(plan, model, 0);
        }
        return new Usage(model, usage(u), false);
    }

    /** A stream of chunks (chat, completions) or of Responses events. */
    private final class StreamMeter implements Meter {
        private final CallPlan plan;
        private String model;
        private SortedMap<String, Long> reported;
        /** Characters of output seen, to estimate a stream that ends before its usage. */
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
                return true; // [DONE], comments, keep-alives
            }
            JsonNode data;
            try {
                data = json.readTree(e.data());
            } catch (IOException ex) {
                return true;
            }
            JsonNode response = data.get("response");
            if (response != null && response.isObject()) {
                // Responses API: response.created / in_progress / completed / incomplete / failed carry the response.
                model = firstNonNull(Quantities.text(response.get("model")), model);
                JsonNode u = response.get("usage");
                if (u != null && u.isObject()) {
                    reported = usage(u);
                }
                return true;
            }
            if ("response.output_text.delta".equals(Quantities.text(data.get("type")))) {
                outputChars += Quantities.text(data.get("delta")) == null ? 0 : data.get("delta").asText().length();
                return true;
            }
            model = firstNonNull(Quantities.text(data.get("model")), model);
            JsonNode u = data.get("usage");
            if (u != null && u.isObject()) {
                reported = usage(u);
                // The usage chunk the gateway asked for on its own: the caller did not ask for it, so it never sees it.
                JsonNode choices = data.get("choices");
                return !(plan.askedForUsage() && (choices == null || choices.isEmpty()));
            }
            for (JsonNode choice : data.path("choices")) {
                JsonNode delta = choice.get("delta");
                JsonNode text = delta != null ? delta.get("content") : choice.get("text");
                if (text != null && text.isTextual()) {
                    outputChars += text.asText().length();
                }
            }
            return true;
        }

        @Override
        public Usage finish(boolean complete) {
            if (reported != null) {
                return new Usage(model != null ? model : plan.model(), reported, false);
            }
            return estimated(plan, model, (outputChars + Quantities.BYTES_PER_TOKEN - 1) / Quantities.BYTES_PER_TOKEN);
        }
    }

    private static String firstNonNull(String a, String b) {
        return a != null ? a : b;
    }

    @Override
    public byte[] error(ErrorKind kind, String message) {
        // OpenAI's error object: {"error": {"message", "type", "param", "code"}}.
        ObjectNode o = json.createObjectNode();
        ObjectNode e = o.putObject("error");
        e.put("message", message);
        String[] typeAndCode = switch (kind) {
            case BAD_REQUEST -> new String[]{"invalid_request_error", "invalid_request"};
            case AUTHENTICATION -> new String[]{"invalid_request_error", "invalid_api_key"};
            case NOT_FOUND -> new String[]{"invalid_request_error", "not_found"};
            case TOO_LARGE -> new String[]{"invalid_request_error", "request_too_large"};
            case RATE_LIMITED -> new String[]{"requests", "rate_limit_exceeded"};
            case QUOTA_EXCEEDED -> new String[]{"insufficient_quota", "insufficient_quota"};
            case UPSTREAM_FAILED, UNAVAILABLE -> new String[]{"server_error", "upstream_unavailable"};
            case TIMEOUT -> new String[]{"timeout", "upstream_timeout"};
        };
        e.put("type", typeAndCode[0]);
        e.putNull("param");
        e.put("code", typeAndCode[1]);
        return HttpProvider.write(json, o);
    }
}
