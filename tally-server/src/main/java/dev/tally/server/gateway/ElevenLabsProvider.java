package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.gateway.UpstreamType;
import dev.tally.core.metric.Metrics;

import java.net.http.HttpHeaders;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * ElevenLabs text to speech, plain and streamed audio. The key comes and goes as {@code xi-api-key}. Usage is
 * {@code characters}: the {@code character-cost} header of the answer when present (ElevenLabs' own count), else
 * the length of the request's {@code text} in code points. The audio passes through unread.
 */
final class ElevenLabsProvider implements Provider {
    private final ObjectMapper json;

    ElevenLabsProvider(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public UpstreamType type() {
        return UpstreamType.ELEVENLABS;
    }

    @Override
    public String callerKey(Function<String, String> header) {
        String key = header.apply("xi-api-key");
        return key != null ? key.trim() : HttpProvider.bearer(header.apply("authorization"));
    }

    @Override
    public Set<String> keyHeaders() {
        return Set.of("xi-api-key", "authorization");
    }

    @Override
    public void authenticate(BiConsumer<String, String> header, String upstreamKey) {
        header.accept("xi-api-key", upstreamKey);
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
        String text = Quantities.text(tree.get("text"));
        Quantities.put(estimate, Metrics.CHARACTERS, text == null ? 0 : text.codePointCount(0, text.length()));
        return new CallPlan(Quantities.text(tree.get("model_id")), null, estimate, null, false);
    }

    @Override
    public Meter meter(String endpoint, CallPlan plan, int status, HttpHeaders headers) {
        return new Meter() {
            @Override
            public boolean eventStream() {
                return false;
            }

            @Override
            public Usage finish(boolean complete) {
                Long cost = headers == null ? null : headers.firstValue("character-cost").map(v -> {
                    try {
                        return Long.parseLong(v.trim());
                    } catch (NumberFormatException e) {
                        return null;
                    }
                }).orElse(null);
                SortedMap<String, Long> micros = new TreeMap<>();
                if (cost != null && cost >= 0) {
                    Quantities.put(micros, Metrics.CHARACTERS, cost);
                    return new Usage(plan.model(), micros, false);
                }
                // ElevenLabs bills the text it was sent: its length is the usage, not an estimate.
                return new Usage(plan.model(), new TreeMap<>(plan.estimateMicros()), false);
            }
        };
    }

    @Override
    public byte[] error(ErrorKind kind, String message) {
        // ElevenLabs' error: {"detail": {"status", "message"}}.
        ObjectNode o = json.createObjectNode();
        ObjectNode d = o.putObject("detail");
        d.put("status", switch (kind) {
            case BAD_REQUEST -> "invalid_request";
            case AUTHENTICATION -> "invalid_api_key";
            case NOT_FOUND -> "not_found";
            case TOO_LARGE -> "request_too_large";
            case RATE_LIMITED -> "too_many_requests";
            case QUOTA_EXCEEDED -> "quota_exceeded";
            case UPSTREAM_FAILED, UNAVAILABLE -> "service_unavailable";
            case TIMEOUT -> "timeout";
        });
        d.put("message", message);
        return HttpProvider.write(json, o);
    }
}
