package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tally.core.gateway.UpstreamType;

import java.net.http.HttpHeaders;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Any other HTTP API: the caller's customer key comes as {@code Authorization: Bearer}, the upstream's key goes the
 * same way; calls count requests, status and latency, and bodies stream through unread both ways.
 */
final class HttpProvider implements Provider {
    private final ObjectMapper json;

    HttpProvider(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public UpstreamType type() {
        return UpstreamType.HTTP;
    }

    @Override
    public String callerKey(Function<String, String> header) {
        return bearer(header.apply("authorization"));
    }

    /** The token of an {@code Authorization: Bearer} header, or null. */
    static String bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return authorization.substring(7).trim();
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
        return false;
    }

    @Override
    public CallPlan plan(String endpoint, byte[] body, JsonNode tree) {
        return new CallPlan(null, null, new TreeMap<>(), null, false);
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
                return new Usage(null, new TreeMap<>(), false);
            }
        };
    }

    @Override
    public byte[] error(ErrorKind kind, String message) {
        // RFC 9457 with Tally's own closed list of types, as the rest of Tally answers (openapi.yaml's Problem).
        ObjectNode o = json.createObjectNode();
        o.put("type", "https://tally.dev/problems/" + problemType(kind));
        o.put("title", kind.name().charAt(0) + kind.name().substring(1).toLowerCase(java.util.Locale.ROOT)
                .replace('_', ' '));
        o.put("status", kind.status);
        o.put("detail", message);
        o.putArray("errors");
        return write(json, o);
    }

    private static String problemType(ErrorKind kind) {
        return switch (kind) {
            case BAD_REQUEST -> "validation";
            case AUTHENTICATION -> "unauthorized";
            case NOT_FOUND -> "not-found";
            case TOO_LARGE -> "payload-too-large";
            case RATE_LIMITED -> "rate-limited";
            case QUOTA_EXCEEDED -> "quota-exceeded";
            case UPSTREAM_FAILED -> "bad-gateway";
            case UNAVAILABLE -> "unavailable";
            case TIMEOUT -> "gateway-timeout";
        };
    }

    static byte[] write(ObjectMapper json, JsonNode node) {
        try {
            return json.writeValueAsBytes(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
