package dev.tally.server.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.problem.FieldError;
import dev.tally.server.json.Json;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A small client of the Tally HTTP API on {@code java.net.http}: sends the bearer key, answers parsed JSON (numbers
 * with fractions as {@code BigDecimal}, never double) or text, and turns every failure into a
 * {@link TallyApiException} whose message a user can read.
 */
public final class TallyApiClient {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    // A batch of 10,000 events is answered only once it is committed to disk: give that time.
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);
    private static final int MAX_BODY_IN_MESSAGE = 200;

    // HTTP/1.1: the default h2c upgrade attempt on http:// URLs buys a CLI nothing and trips some proxies.
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CONNECT_TIMEOUT).build();
    private final ObjectMapper json = Json.mapper();
    private final String baseUrl;
    private final String key;

    /**
     * A client of the server at {@code baseUrl}.
     *
     * @param baseUrl e.g. {@code http://localhost:8080}, without a trailing slash
     * @param key     the API key sent as {@code Authorization: Bearer}
     */
    public TallyApiClient(String baseUrl, String key) {
        this.baseUrl = baseUrl;
        this.key = key;
    }

    /** The server's URL, as the user gave it. */
    public String baseUrl() {
        return baseUrl;
    }

    /** {@code GET path} (with its query), answered as JSON. */
    public JsonNode getJson(String path) {
        return parse(path, send(request(path).GET()));
    }

    /** {@code GET path}, answered as text (CSV reports). */
    public String getText(String path) {
        return send(request(path).GET()).body();
    }

    /** {@code POST path} with a JSON body, answered as JSON. */
    public JsonNode postJson(String path, String body) {
        HttpRequest.Builder b = request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        return parse(path, send(b));
    }

    /** One path segment, percent-encoded (customer ids may hold {@code : @ .}). */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + key).header("Accept", "application/json, text/csv");
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw TallyApiException.noAnswer("cannot reach Tally at " + baseUrl + ": is the server running?", e);
        } catch (HttpTimeoutException e) {
            throw TallyApiException.noAnswer("Tally at " + baseUrl + " did not answer in time ("
                    + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw TallyApiException.noAnswer("lost the connection to Tally at " + baseUrl + ": "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw TallyApiException.noAnswer("interrupted while waiting for Tally at " + baseUrl, e);
        }
        if (response.statusCode() >= 400) {
            throw problem(response);
        }
        return response;
    }

    private JsonNode parse(String path, HttpResponse<String> response) {
        try {
            return json.readTree(response.body());
        } catch (JsonProcessingException e) {
            throw new TallyApiException(response.statusCode(), "the answer of " + baseUrl + path
                    + " is not JSON; is " + baseUrl + " a Tally server?", List.of(), null);
        }
    }

    /** The exception for an error answer: its problem detail and errors, or the status when it is no problem. */
    private TallyApiException problem(HttpResponse<String> response) {
        Duration retryAfter = response.headers().firstValue("Retry-After").map(TallyApiClient::seconds).orElse(null);
        JsonNode body = problemBody(response);
        if (body == null) {
            String text = response.body() == null ? "" : response.body().strip();
            String excerpt = text.length() > MAX_BODY_IN_MESSAGE ? text.substring(0, MAX_BODY_IN_MESSAGE) + "..." : text;
            return new TallyApiException(response.statusCode(), "HTTP " + response.statusCode() + " from "
                    + response.uri() + (excerpt.isEmpty() ? "" : ": " + excerpt), List.of(), retryAfter);
        }
        List<FieldError> errors = new ArrayList<>();
        for (JsonNode e : body.path("errors")) {
            errors.add(new FieldError(e.path("field").asText(""), e.path("message").asText("")));
        }
        return new TallyApiException(response.statusCode(), body.get("detail").asText(), errors, retryAfter);
    }

    private JsonNode problemBody(HttpResponse<String> response) {
        try {
            JsonNode node = json.readTree(response.body());
            return node != null && node.hasNonNull("detail") ? node : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** {@code Retry-After} in seconds; the HTTP-date form is not used by Tally and counts as absent. */
    private static Duration seconds(String header) {
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.strip())));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
