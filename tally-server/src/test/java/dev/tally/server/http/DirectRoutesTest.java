package dev.tally.server.http;

import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link DirectRoutes}: a hot call in its common form, answered before the servlet layer, gets the same answer as the
 * same call in a form the fast readers leave to the Javalin route ({@code "ttl_seconds": 5.0}, an event with
 * metadata); failures after it was taken are problem JSON from the one mapper; and both are timed.
 */
class DirectRoutesTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    /** Headers that differ between any two answers, or that Jetty and the servlet layer order differently. */
    private static final List<String> VARYING = List.of("date");

    @TempDir
    Path dir;
    private TestServer server;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30.250Z"));
        assertThat(server.admin().put("/v1/customers/acme", "{\"limits\":["
                + "{\"metric\":\"requests\",\"window\":\"minute\",\"amount\":60},"
                + "{\"metric\":\"tokens\",\"window\":\"day\",\"amount\":100000,\"mode\":\"soft\"},"
                + "{\"metric\":\"cost\",\"window\":\"month\",\"amount\":\"25.00\"}]}").status()).isIn(200, 201);
        server.admin().put("/v1/prices", "[{\"provider\":\"openai\",\"model\":\"gpt-4o\",\"metric\":\"input_tokens\","
                + "\"unit_price\":\"2.50\",\"per\":1000000}]");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.port() + path);
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri)
                        .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        OpenApiContract.get().check(r);
        return r;
    }

    private static Map<String, List<String>> headers(HttpResponse<String> r) {
        Map<String, List<String>> headers = new TreeMap<>(r.headers().map());
        VARYING.forEach(headers::remove);
        return headers;
    }

    @Test
    void check_answersAlikeTakenDirectlyAndThroughTheRoute() throws Exception {
        String call = "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4o\","
                + "\"estimate\":{\"input_tokens\":800},\"ttl_seconds\":5";

        HttpResponse<String> direct = post("/v1/check", call + "}");
        HttpResponse<String> routed = post("/v1/check", call.replace(":5", ":5.0") + "}");

        assertThat(direct.statusCode()).as(direct.body()).isEqualTo(200);
        assertThat(routed.statusCode()).isEqualTo(200);
        assertThat(direct.body()).isEqualTo(routed.body());
        assertThat(headers(direct)).isEqualTo(headers(routed)).containsKeys("ratelimit", "ratelimit-policy",
                "x-ratelimit-remaining", "content-type", "content-length");
    }

    @Test
    void events_answerAlikeTakenDirectlyAndThroughTheRoute() throws Exception {
        HttpResponse<String> direct = post("/v1/events", "{\"id\":\"e1\",\"customer\":\"acme\"}");
        // Metadata is left to the JSON tree, which keeps its text.
        HttpResponse<String> routed = post("/v1/events", "{\"id\":\"e2\",\"customer\":\"acme\",\"metadata\":{}}");
        HttpResponse<String> duplicate = post("/v1/events", "{\"id\":\"e1\",\"customer\":\"acme\"}");

        assertThat(direct.body()).isEqualTo(routed.body())
                .isEqualTo("{\"accepted\":1,\"duplicates\":0,\"rejected\":[]}");
        assertThat(headers(direct)).isEqualTo(headers(routed));
        assertThat(duplicate.body()).isEqualTo("{\"accepted\":0,\"duplicates\":1,\"rejected\":[]}");
        assertThat(server.admin().get("/v1/customers/acme/usage").json().at("/totals/requests").asInt())
                .isEqualTo(2);
    }

    @Test
    void failuresOfTakenCalls_areProblemsOfTheOneMapper_andEveryAnswerIsTimed() throws Exception {
        HttpResponse<String> unknown = post("/v1/authorize", "{\"customer\":\"nobody\"}");
        HttpResponse<String> noValidEvent = post("/v1/events", "{\"id\":\"e1\",\"customer\":\"nobody\"}");
        HttpResponse<String> allowed = post("/v1/authorize", "{\"customer\":\"acme\"}");

        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("content-type")).contains(ProblemMapper.CONTENT_TYPE);
        assertThat(unknown.body()).contains("\"type\":\"https://tally.dev/problems/not-found\"", "nobody");
        assertThat(noValidEvent.statusCode()).isEqualTo(400);
        assertThat(noValidEvent.body()).contains("\"field\":\"customer\"");
        assertThat(allowed.statusCode()).isEqualTo(200);
        assertThat(server.admin().get("/metrics").body()).contains(
                "http_server_requests_seconds_count{method=\"POST\",route=\"/v1/authorize\",status=\"404\"} 1",
                "http_server_requests_seconds_count{method=\"POST\",route=\"/v1/authorize\",status=\"200\"} 1",
                "http_server_requests_seconds_count{method=\"POST\",route=\"/v1/events\",status=\"400\"} 1");
    }
}
