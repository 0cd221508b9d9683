package dev.tally.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The administration calls a benchmark makes before and after measuring (plans, customers, prices, totals), over
 * the real HTTP API with the admin key. Not used on the measured path.
 */
final class AdminApi {
    /** The admin key every benchmark server is started with. */
    static final String ADMIN_KEY = "bench-admin-key";
    /**
     * The plan every benchmark customer is on: month, day and minute limits, a soft token limit and a budget. The
     * amounts are far above what a run uses, yet within what Redis counters hold exactly (2^53 - 1 in the unit of
     * the metric: a billion tokens are 10^15 micros, a million dollars 10^15 nano-dollars), so the same plan serves
     * runs with counters in the process and in Redis.
     */
    static final String PLAN_JSON = "{\"name\":\"Pro\",\"limits\":["
            + "{\"metric\":\"requests\",\"window\":\"month\",\"amount\":1000000000},"
            + "{\"metric\":\"requests\",\"window\":\"day\",\"amount\":100000000},"
            + "{\"metric\":\"requests\",\"window\":\"minute\",\"amount\":10000000},"
            + "{\"metric\":\"tokens\",\"window\":\"month\",\"amount\":1000000000,\"provider\":\"openai\","
            + "\"mode\":\"soft\"},"
            + "{\"metric\":\"cost\",\"window\":\"month\",\"amount\":\"1000000.00\"}]}";

    private static final String[] CUSTOMER_IDS = java.util.stream.IntStream.range(0, 10_000)
            .mapToObj(i -> String.format("cust-%03d", i)).toArray(String[]::new);

    private final String base;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final ObjectMapper json = new ObjectMapper();

    AdminApi(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** Creates the plan, {@code customers} customers named by {@link #customerId} in UTC, and the mix's prices. */
    void createCatalog(int customers) {
        send("PUT", "/v1/plans/pro", PLAN_JSON);
        for (int i = 0; i < customers; i++) {
            send("PUT", "/v1/customers/" + customerId(i), "{\"name\":\"Customer " + i
                    + "\",\"plan\":\"pro\",\"timezone\":\"UTC\",\"billing_day\":1}");
        }
        send("PUT", "/v1/prices", EventMix.PRICES_JSON);
    }

    /** The id of benchmark customer {@code i}: {@code cust-000}, {@code cust-001}, ... */
    static String customerId(int i) {
        // Precomputed: load clients call this for every event, on the cores the server needs.
        return i < CUSTOMER_IDS.length ? CUSTOMER_IDS[i] : String.format("cust-%03d", i);
    }

    /** The JSON answer of a GET; fails on any status but 200. */
    JsonNode get(String path) {
        try {
            return json.readTree(send("GET", path, null));
        } catch (IOException e) {
            throw new IllegalStateException("GET " + path + " answered no JSON: " + e.getMessage(), e);
        }
    }

    /** The text of the server's Prometheus page. */
    String metrics() {
        return send("GET", "/metrics", null);
    }

    private String send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofMinutes(2))
                .header("Authorization", "Bearer " + ADMIN_KEY)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during " + method + " " + path, e);
        }
    }

    /** A value of the Prometheus text, e.g. {@code tally_writer_events_total}; 0 if absent. */
    static double metric(String prometheusText, String name) {
        for (String line : prometheusText.split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return 0;
    }

    /** The body of a GET with the admin key; any answer but 200 is an error (a benchmark must not time failures). */
    static String get(HttpClient http, URI uri, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                .header("Authorization", "Bearer " + ADMIN_KEY).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("GET " + uri + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
