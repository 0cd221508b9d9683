package dev.tally.client;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A client of the Tally HTTP API: authorize and check calls, release reservations, record events, read usage.
 *
 * <p>Thread-safe; one instance holds one {@link HttpClient} and should be shared. Every failure is a
 * {@link TallyException}: an error answer carries its status and the problem's {@code detail} and {@code errors};
 * a call that got no answer has status {@link TallyException#NO_ANSWER} and a message naming the server.
 *
 * <pre>{@code
 * TallyClient tally = TallyClient.builder().baseUrl("http://localhost:8080").apiKey(adminKey)
 *         .timeout(Duration.ofSeconds(2)).build();
 * Decision d = tally.authorize(Call.of("acme").withProvider("openai").withEstimate("tokens", 1500));
 * }</pre>
 */
public final class TallyClient {
    /** The timeout of a request (and of opening its connection) when none is set. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_BODY_IN_MESSAGE = 200;

    private final URI baseUrl;
    private final String apiKey;
    private final Duration timeout;
    private final HttpClient http;
    private final WireJson json = new WireJson();

    private TallyClient(Builder b) {
        this.baseUrl = b.baseUrl;
        this.apiKey = b.apiKey;
        this.timeout = b.timeout;
        // HTTP/1.1: the h2c upgrade the JDK attempts on http:// URLs buys nothing here and trips some proxies.
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build();
    }

    /** A builder; {@code baseUrl} and {@code apiKey} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The server's base URL, ending in {@code /}, e.g. {@code http://localhost:8080/}. */
    public URI baseUrl() {
        return baseUrl;
    }

    /**
     * {@code POST /v1/authorize}: decides whether the call may go ahead and, if so, reserves its estimate against
     * every hard limit. Send the decision's {@link Decision#reservation() reservation} with the call's event.
     */
    public Decision authorize(Call call) {
        return decide("/v1/authorize", call);
    }

    /** {@code POST /v1/check}: the same decision as {@link #authorize}, without reserving anything. */
    public Decision check(Call call) {
        return decide("/v1/check", call);
    }

    /**
     * {@code DELETE /v1/reservations/{id}}: releases a reservation at once.
     *
     * @return true if it was released; false if it was not held (unknown, settled or expired)
     */
    public boolean release(String reservationId) {
        Objects.requireNonNull(reservationId, "reservationId");
        HttpResponse<String> r = send(request("/v1/reservations/" + segment(reservationId)).DELETE(), true);
        return r.statusCode() != 404;
    }

    /**
     * {@code POST /v1/events}: records a batch of events (at most 10,000). Valid events are stored even when others
     * are rejected; a batch with no valid event at all is a {@link TallyException} with status 400. Sending a batch
     * again is safe: events whose id is already stored count as duplicates.
     */
    public IngestResult record(List<Event> events) {
        if (events.isEmpty()) {
            return new IngestResult(0, 0, List.of());
        }
        return json.ingestResult(parse(send(post("/v1/events", json.write(json.events(events))), false)));
    }

    /** {@code POST /v1/events} with one event. */
    public IngestResult record(Event event) {
        return record(List.of(event));
    }

    /** {@code GET /v1/customers/{id}/usage}: the customer's current billing period. */
    public Usage usage(String customerId) {
        Objects.requireNonNull(customerId, "customerId");
        return json.usage(parse(send(request("/v1/customers/" + segment(customerId) + "/usage").GET(), false)));
    }

    private Decision decide(String path, Call call) {
        HttpResponse<String> r = send(post(path, json.write(json.call(call))), false);
        return json.decision(parse(r), headers(r.headers()));
    }

    private static RateLimitHeaders headers(HttpHeaders h) {
        return new RateLimitHeaders(h.firstValue("X-RateLimit-Limit").orElse(null),
                h.firstValue("X-RateLimit-Remaining").orElse(null), h.firstValue("X-RateLimit-Reset").orElse(null),
                h.firstValue("RateLimit-Policy").orElse(null), h.firstValue("RateLimit").orElse(null),
                h.firstValue("Retry-After").orElse(null));
    }

    private HttpRequest.Builder post(String path, String body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    }

    private HttpRequest.Builder request(String path) {
        // Relative to the base URL (which ends in '/'), so that a path prefix of the base URL is kept.
        return HttpRequest.newBuilder(baseUrl.resolve(path.substring(1))).timeout(timeout)
                .header("Authorization", "Bearer " + apiKey).header("Accept", "application/json");
    }

    private HttpResponse<String> send(HttpRequest.Builder builder, boolean notFoundIsAnswer) {
        HttpRequest request = builder.build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw noAnswer("cannot reach Tally at " + baseUrl + " (" + request.method() + " " + request.uri().getPath()
                    + "): connection refused; is the server running?", e);
        } catch (HttpTimeoutException e) {
            throw noAnswer("Tally at " + baseUrl + " did not answer " + request.method() + " "
                    + request.uri().getPath() + " within " + timeout.toMillis() + " ms", e);
        } catch (IOException e) {
            throw noAnswer("lost the connection to Tally at " + baseUrl + " (" + request.method() + " "
                    + request.uri().getPath() + "): " + (e.getMessage() == null ? e.getClass().getSimpleName()
                    : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw noAnswer("interrupted while waiting for Tally at " + baseUrl, e);
        }
        int status = response.statusCode();
        if (status >= 400 && !(notFoundIsAnswer && status == 404)) {
            throw problem(response);
        }
        return response;
    }

    private JsonNode parse(HttpResponse<String> response) {
        JsonNode node = json.readOrNull(response.body());
        if (node == null || !node.isObject()) {
            throw new TallyException(response.statusCode(), "the answer of " + response.request().method() + " "
                    + response.uri() + " is not a JSON object; is " + baseUrl + " a Tally server?", List.of(), null);
        }
        return node;
    }

    /** The exception for an error answer: its problem's detail and errors, or the status and an excerpt. */
    private TallyException problem(HttpResponse<String> response) {
        JsonNode body = json.readOrNull(response.body());
        String where = response.request().method() + " " + response.uri();
        if (body == null || !body.hasNonNull("detail")) {
            String text = response.body() == null ? "" : response.body().strip();
            String excerpt = text.length() > MAX_BODY_IN_MESSAGE ? text.substring(0, MAX_BODY_IN_MESSAGE) + "..." : text;
            return new TallyException(response.statusCode(), "HTTP " + response.statusCode() + " from " + where
                    + (excerpt.isEmpty() ? "" : ": " + excerpt), List.of(), null);
        }
        return new TallyException(response.statusCode(), body.get("detail").asText(), json.fieldErrors(body), null);
    }

    private static TallyException noAnswer(String message, Throwable cause) {
        return new TallyException(TallyException.NO_ANSWER, message, List.of(), cause);
    }

    /** One path segment, percent-encoded (ids may hold {@code : @ . /}). */
    private static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Builds a {@link TallyClient}. */
    public static final class Builder {
        private URI baseUrl;
        private String apiKey;
        private Duration timeout = DEFAULT_TIMEOUT;

        private Builder() {
        }

        /** The server, e.g. {@code http://localhost:8080}; a path prefix such as {@code https://host/tally} is kept. */
        public Builder baseUrl(String url) {
            Objects.requireNonNull(url, "baseUrl");
            URI uri;
            try {
                uri = new URI(url.endsWith("/") ? url : url + "/");
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("baseUrl must be a URL such as http://localhost:8080, was " + url, e);
            }
            if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
                throw new IllegalArgumentException("baseUrl must be an http or https URL with a host, was " + url);
            }
            this.baseUrl = uri;
            return this;
        }

        /**
         * The key sent as {@code Authorization: Bearer}: an ingest key (made for this: it may authorize, check,
         * release and send events, nothing else) or the admin key.
         */
        public Builder apiKey(String key) {
            Objects.requireNonNull(key, "apiKey");
            if (key.isBlank()) {
                throw new IllegalArgumentException("apiKey must not be blank");
            }
            this.apiKey = key;
            return this;
        }

        /**
         * How long to wait for a connection and for each answer; default {@link #DEFAULT_TIMEOUT}. On a request
         * path, keep it short: it bounds what an unreachable Tally adds to each call before the failure policy
         * applies.
         */
        public Builder timeout(Duration value) {
            Objects.requireNonNull(value, "timeout");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, was " + value);
            }
            this.timeout = value;
            return this;
        }

        public TallyClient build() {
            if (baseUrl == null) {
                throw new IllegalStateException("baseUrl was not set");
            }
            if (apiKey == null) {
                throw new IllegalStateException("apiKey was not set");
            }
            return new TallyClient(this);
        }
    }
}
