package dev.tally.server.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.server.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A small HTTP client for tests: JSON in, status and JSON (or text) out. Every answer is held against the OpenAPI
 * document ({@link OpenApiContract}) before the test sees it.
 */
public final class Api {
    private static final ObjectMapper JSON = Json.mapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String key;

    public Api(String base, String key) {
        this.base = base;
        this.key = key;
    }

    /** The same server with another key (null for none). */
    public Api as(String otherKey) {
        return new Api(base, otherKey);
    }

    /** The key this client sends, or null. */
    public String key() {
        return key;
    }

    /**
     * Every event id in a customer's log with how often it appears, read page by page: what a crash test compares
     * with the ids it was acknowledged (none missing, none twice).
     */
    public Map<String, Integer> storedEventIds(String customer) {
        Map<String, Integer> ids = new HashMap<>();
        String cursor = null;
        do {
            JsonNode page = get("/v1/customers/" + customer + "/events?limit=1000"
                    + (cursor == null ? "" : "&cursor=" + cursor)).json();
            page.get("events").forEach(e -> ids.merge(e.get("id").asText(), 1, Integer::sum));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
        } while (cursor != null);
        return ids;
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    public Response put(String path, String body) {
        return send("PUT", path, body);
    }

    public Response post(String path, String body) {
        return send("POST", path, body);
    }

    public Response send(String method, String path, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            // Every answer a test sees must be one the OpenAPI document describes.
            OpenApiContract.get().check(r);
            return new Response(r.statusCode(), r.body(), r.headers().firstValue("Content-Type").orElse(""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An answer: status, raw body, content type; {@link #json()} parses the body. */
    public record Response(int status, String body, String contentType) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
