package dev.tally.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.FakeUpstream;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway in front of a plain HTTP API: upstreams admin, keys, forwarding, the event, denial. */
class GatewayHttpTest {
    private static final String UPSTREAM_KEY = "up-secret-0123456789";

    @TempDir
    Path dir;
    private TestServer server;
    private Api api;
    private FakeUpstream upstream;
    private String customerKey;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        upstream = new FakeUpstream();
        assertThat(api.put("/v1/customers/acme", "{\"limits\":[{\"metric\":\"requests\",\"window\":\"month\","
                + "\"amount\":2}]}").status()).isIn(200, 201);
        customerKey = api.post("/v1/customers/acme/keys", null).json().get("key").asText();
        Api.Response put = api.put("/v1/upstreams/scraper", "{\"type\":\"http\",\"base_url\":\""
                + upstream.baseUrl() + "/api\",\"api_key\":\"" + UPSTREAM_KEY + "\",\"provider\":\"scrapeco\"}");
        assertThat(put.status()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        server.close();
        upstream.close();
    }

    private HttpResponse<String> call(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        b.header("X-Tally-User", "user-7");
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode events() {
        return api.get("/v1/customers/acme/events").json().get("events");
    }

    @Test
    void upstreams_admin_keyIsWriteOnly_andValidated() {
        Api.Response list = api.get("/v1/upstreams");
        assertThat(list.status()).isEqualTo(200);
        assertThat(list.body()).contains("\"has_api_key\":true").doesNotContain(UPSTREAM_KEY);
        assertThat(api.get("/v1/upstreams/scraper").json().get("provider").asText()).isEqualTo("scrapeco");
        Api.Response bad = api.put("/v1/upstreams/Bad%20Name", "{\"type\":\"soap\",\"base_url\":\"ftp://x\","
                + "\"extra\":1}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.body()).contains("name").contains("type").contains("base_url").contains("extra");
        assertThat(api.as(customerKey).get("/v1/upstreams").status()).isEqualTo(403);
        assertThat(api.put("/v1/customers/acme/upstream-keys/nope", "{\"api_key\":\"k\"}").status()).isEqualTo(404);
        assertThat(api.delete("/v1/upstreams/scraper").status()).isEqualTo(204);
        assertThat(api.get("/v1/upstreams/scraper").status()).isEqualTo(404);
    }

    @Test
    void upstreamKey_isSealedInTheStore_notInTheClear() throws Exception {
        assertThat(server.server().store().upstreams().get(0).sealedKey()).startsWith("v1:")
                .doesNotContain(UPSTREAM_KEY);
        assertThat(Files.readString(dir.resolve(KeySealer.KEY_FILE)).trim()).hasSize(44);
    }

    @Test
    void call_forwardedWithUpstreamKey_answeredWithRequestIdAndHeaders_recorded() throws Exception {
        upstream.answer((e, req) -> FakeUpstream.json(e, 201, "{\"ok\":true}", Map.of("X-Upstream-Id", "u-1")));
        HttpResponse<String> r = call("POST", "/gateway/scraper/v2/scrape?url=x", "{\"page\":1}", customerKey);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.body()).isEqualTo("{\"ok\":true}");
        assertThat(r.headers().firstValue("X-Upstream-Id")).hasValue("u-1");
        String id = r.headers().firstValue("X-Tally-Request-Id").orElseThrow();
        assertThat(r.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
        FakeUpstream.Seen seen = upstream.seen().get(0);
        assertThat(seen.path()).isEqualTo("/api/v2/scrape");
        assertThat(seen.query()).isEqualTo("url=x");
        assertThat(seen.body()).isEqualTo("{\"page\":1}");
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + UPSTREAM_KEY);
        assertThat(seen.headers().toString()).doesNotContain(customerKey).doesNotContain("user-7");
        Await.within(Duration.ofSeconds(5), "the call's event", () -> events().size() == 1);
        JsonNode event = events().get(0);
        assertThat(event.get("id").asText()).isEqualTo(id);
        assertThat(event.get("provider").asText()).isEqualTo("scrapeco");
        assertThat(event.get("endpoint").asText()).isEqualTo("/v2/scrape");
        assertThat(event.get("method").asText()).isEqualTo("POST");
        assertThat(event.get("status").asInt()).isEqualTo(201);
        assertThat(event.get("user").asText()).isEqualTo("user-7");
        assertThat(event.get("latency_ms").isIntegralNumber()).isTrue();
        assertThat(event.get("reservation").isTextual()).isTrue();
    }

    @Test
    void customerOwnKey_replacesTheUpstreamKey_forThatCustomerOnly() throws Exception {
        assertThat(api.put("/v1/customers/acme/upstream-keys/scraper", "{\"api_key\":\"acme-own-key\"}").status())
                .isEqualTo(204);
        assertThat(call("GET", "/gateway/scraper/x", null, customerKey).statusCode()).isEqualTo(200);
        assertThat(upstream.seen().get(0).header("Authorization")).isEqualTo("Bearer acme-own-key");
        assertThat(upstream.seen().get(0).method()).isEqualTo("GET");
    }

    @Test
    void denied_answers429ProblemWithRetryAfter_andNothingReachesTheUpstream() throws Exception {
        assertThat(call("GET", "/gateway/scraper/a", null, customerKey).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/gateway/scraper/a", null, customerKey).statusCode()).isEqualTo(200);
        HttpResponse<String> denied = call("GET", "/gateway/scraper/a", null, customerKey);
        assertThat(denied.statusCode()).isEqualTo(429);
        assertThat(denied.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(denied.headers().firstValue("Retry-After")).isPresent();
        assertThat(denied.body()).contains("\"status\":429");
        assertThat(upstream.seen()).hasSize(2);
    }

    @Test
    void badKeyOrUnknownUpstream_answeredByTheGateway_nothingForwarded() throws Exception {
        assertThat(call("GET", "/gateway/scraper/a", null, "tk_nope_nope").statusCode()).isEqualTo(401);
        assertThat(call("GET", "/gateway/scraper/a", null, TestServer.ADMIN_KEY).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/gateway/nothere/a", null, customerKey).statusCode()).isEqualTo(404);
        assertThat(upstream.seen()).isEmpty();
    }

    @Test
    void endUserHeaderTooLong_answers400_nothingForwardedNorRecorded() throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/gateway/scraper/a"))
                .header("Authorization", "Bearer " + customerKey).header("X-Tally-User", "u".repeat(129)).build();
        HttpResponse<String> answer = http.send(r, HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(answer.body()).contains("X-Tally-User must be 1 to 128 characters, was 129");
        assertThat(upstream.seen()).isEmpty();
        assertThat(events().size()).isZero();
    }

    @Test
    void upstreamDown_answers502_andIsRecordedWithItsStatus() throws Exception {
        upstream.close();
        HttpResponse<String> r = call("GET", "/gateway/scraper/a", null, customerKey);
        assertThat(r.statusCode()).isEqualTo(502);
        Await.within(Duration.ofSeconds(5), "the failed call's event", () -> events().size() == 1);
        assertThat(events().get(0).get("status").asInt()).isEqualTo(502);
    }
}
