package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.json.Json;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Await;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import dev.tally.server.testing.WebhookReceiver;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Tally nodes (two servers in this JVM) on one fresh PostgreSQL schema, without Redis: a change made through one
 * node applies on the other within 2 seconds, alerts fire and notifications are delivered once, a console session
 * works on both, and /health counts both (issue 12, point 4).
 */
class SharedConfigurationTest {
    private static final ObjectMapper JSON = Json.mapper();
    private static final Duration WITHIN = Duration.ofSeconds(2);
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    Path dir;
    private final MutableClock clock = MutableClock.at("2026-11-02T09:00:00Z");
    private final List<TestServer> nodes = new ArrayList<>();
    private int eventSeq;

    private final String redisPrefix = "tally-test:" + UUID.randomUUID() + ":";

    @AfterEach
    void stop() {
        nodes.forEach(TestServer::close);
        RedisClient client = RedisClient.create(TestServer.REDIS_URL);
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            List<String> keys = c.sync().scan(ScanArgs.Builder.matches(redisPrefix + "*").limit(100_000)).getKeys();
            if (!keys.isEmpty()) {
                c.sync().del(keys.toArray(new String[0]));
            }
        } finally {
            client.shutdown();
        }
    }

    /** Two running nodes on one fresh schema, each with counters of its own. */
    private List<Api> twoNodes() {
        TestServer a = TestServer.start(Backend.POSTGRES, dir, clock);
        nodes.add(a);
        TestServer b = TestServer.startOn(a.databaseUrl(), dir, clock);
        nodes.add(b);
        return List.of(a.admin(), b.admin());
    }

    /** Two running nodes on one fresh schema sharing their counters in Redis, as the contract's "one server". */
    private List<Api> twoRedisNodes() {
        String db = Backend.POSTGRES.freshUrl(dir);
        for (int i = 0; i < 2; i++) {
            nodes.add(TestServer.startWithRedis(db, dir, clock, redisPrefix));
        }
        return List.of(nodes.get(0).admin(), nodes.get(1).admin());
    }

    @Test
    void customer_createdOnA_isKnownOnB_within2Seconds() {
        List<Api> apis = twoNodes();
        ok(apis.get(0).put("/v1/plans/pro", """
                {"name": "Pro", "limits": [{"metric": "requests", "window": "month", "amount": 2}]}"""));
        ok(apis.get(0).put("/v1/customers/acme", "{\"name\": \"Acme\", \"plan\": \"pro\"}"));
        awaitOn("customer created on A is known on B", () -> apis.get(1).get("/v1/customers/acme").status() == 200);
    }

    /**
     * Node A with customer acme on plan pro (2 requests a month), then node B started: B knows acme from its start,
     * so what the tests below see on B is a change made later, not the first load.
     */
    private List<Api> nodesKnowingAcme() {
        TestServer first = TestServer.start(Backend.POSTGRES, dir, clock);
        nodes.add(first);
        Api a = first.admin();
        ok(a.put("/v1/plans/pro", """
                {"name": "Pro", "limits": [{"metric": "requests", "window": "month", "amount": 2}]}"""));
        ok(a.put("/v1/customers/acme", "{\"name\": \"Acme\", \"plan\": \"pro\"}"));
        TestServer second = TestServer.startOn(first.databaseUrl(), dir, clock);
        nodes.add(second);
        Api b = second.admin();
        assertThat(limitAmount(b.post("/v1/check", CALL).json())).isEqualTo(2);
        return List.of(a, b);
    }

    @Test
    void plan_changedOnA_decidesOnB_within2Seconds() {
        List<Api> apis = nodesKnowingAcme();
        ok(apis.get(0).put("/v1/plans/pro", """
                {"name": "Pro", "limits": [{"metric": "requests", "window": "month", "amount": 7}]}"""));
        awaitOn("plan changed on A decides on B",
                () -> limitAmount(apis.get(1).post("/v1/check", CALL).json()) == 7);
    }

    @Test
    void price_setOnA_pricesEventsOnB_within2Seconds() {
        List<Api> apis = nodesKnowingAcme();
        Api b = apis.get(1);
        ok(apis.get(0).put("/v1/prices", """
                [{"provider": "openai", "model": "gpt-4", "metric": "input_tokens", "unit_price": "0.03",
                  "per": 1000}]"""));
        awaitOn("price set on A prices events on B", () -> {
            post(b, "acme", 1000);
            return new BigDecimal(b.get("/v1/customers/acme/usage").json().at("/totals/cost").asText()).signum() > 0;
        });
    }

    @Test
    void key_revokedOnA_isRefusedOnB_within2Seconds() {
        List<Api> apis = nodesKnowingAcme();
        JsonNode issued = apis.get(0).post("/v1/customers/acme/keys", null).json();
        Api customer = apis.get(1).as(issued.get("key").asText());
        // B has now read (and cached) the key record.
        assertThat(customer.get("/v1/me/usage").status()).isEqualTo(200);
        ok(apis.get(0).delete("/v1/customers/acme/keys/" + issued.get("id").asText()));
        awaitOn("key revoked on A is refused on B", () -> customer.get("/v1/me/usage").status() == 401);
    }

    @Test
    void customer_deletedOnA_hasItsEventsRefusedOnB_within2Seconds() {
        List<Api> apis = nodesKnowingAcme();
        Api b = apis.get(1);
        post(b, "acme", 10);
        ok(apis.get(0).delete("/v1/customers/acme"));
        awaitOn("customer deleted on A has its events refused on B", () -> {
            Api.Response r = b.post("/v1/events", event("acme", 10));
            return r.status() == 400 || r.json().get("rejected").size() == 1;
        });
    }

    @Test
    void health_withTwoLiveNodes_countsTwo_andWarnsOfLocalCounters_thenOneAfterAStop() {
        List<Api> apis = twoNodes();
        for (Api api : apis) {
            // A node counts within 5 s of its start: the first node sees the second at its next heartbeat.
            Await.within(Duration.ofSeconds(5), "two nodes", () -> api.get("/health").json().get("nodes").asInt() == 2);
            JsonNode health = api.get("/health").json();
            assertThat(health.get("nodes").asInt()).as(health.toString()).isEqualTo(2);
            assertThat(health.get("counters").asText()).isEqualTo("local");
            assertThat(health.get("warning").asText()).contains("TALLY_REDIS_URL");
        }
        nodes.remove(1).close();
        // The stopped node removed its row; the survivor sees it at its next heartbeat (every 2 s).
        Await.within(Duration.ofSeconds(5), "the stopped node no longer counts",
                () -> apis.get(0).get("/health").json().get("nodes").asInt() == 1);
        assertThat(apis.get(0).get("/health").json().has("warning")).isFalse();
    }

    @Test
    void usage_throughBothNodes_firesEachAlertOnce_andDeliversEachWebhookOnce() throws Exception {
        try (WebhookReceiver hook = WebhookReceiver.failingFirst(0)) {
            // Alerts compare usage with the limits' counters: only shared counters see the usage of both nodes.
            List<Api> apis = twoRedisNodes();
            Api a = apis.get(0);
            ok(a.put("/v1/channels/ops-hook", "{\"type\": \"webhook\", \"url\": \"" + hook.url()
                    + "\", \"events\": [\"alert.threshold\", \"alert.exceeded\"]}"));
            ok(a.put("/v1/plans/pro", """
                    {"name": "Pro", "limits": [{"metric": "tokens", "window": "month", "amount": 1000,
                     "mode": "soft"}]}"""));
            ok(a.put("/v1/customers/acme", "{\"name\": \"Acme\", \"plan\": \"pro\"}"));
            awaitOn("customer known on B", () -> apis.get(1).get("/v1/customers/acme").status() == 200);

            long[] tokens = {550, 300, 200}; // 55%, 85%, 105%
            for (int i = 0; i < tokens.length; i++) {
                clock.advance(Duration.ofHours(1));
                // Each step through both nodes at once: half of the tokens each.
                long half = tokens[i] / 2;
                CompletableFuture.allOf(
                        CompletableFuture.runAsync(() -> post(apis.get(0), "acme", half)),
                        CompletableFuture.runAsync(() -> post(apis.get(1), "acme", half)))
                        .get();
                for (TestServer node : nodes) {
                    node.server().alerts().drain(Duration.ofSeconds(10));
                }
            }
            List<JsonNode> stored = new ArrayList<>();
            a.get("/v1/alerts?customer=acme").json().get("alerts").forEach(stored::add);
            stored.removeIf(x -> !List.of("threshold", "exceeded").contains(x.get("kind").asText()));
            assertThat(stored).extracting(x -> x.get("kind").asText() + ":" + x.get("threshold").asText())
                    .containsExactlyInAnyOrder("threshold:50", "threshold:80", "threshold:100", "exceeded:null");

            // Both nodes' dispatchers run at once, as their schedules do.
            CompletableFuture.allOf(nodes.stream().map(n -> CompletableFuture.runAsync(
                    () -> n.server().notifications().dispatcher().dispatchDue())).toArray(CompletableFuture[]::new))
                    .get();
            Await.within(Duration.ofSeconds(10), "four webhooks delivered", () -> hook.accepted().size() >= 4);
            Map<String, Long> perAlert = hook.received().stream()
                    .collect(Collectors.groupingBy(r -> field(r.body(), "/data/id"), Collectors.counting()));
            assertThat(perAlert).hasSize(4).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1L));
        }
    }

    @Test
    void consoleSession_startedOnA_isValidOnB() throws Exception {
        List<Api> apis = twoNodes();
        int portA = nodes.get(0).port();
        int portB = nodes.get(1).port();
        HttpResponse<String> signIn = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + portA + "/ui/signin"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("key=" + URLEncoder.encode(TestServer.ADMIN_KEY,
                        StandardCharsets.UTF_8))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(signIn.statusCode()).isEqualTo(303);
        String setCookie = signIn.headers().firstValue("Set-Cookie").orElseThrow();
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        HttpResponse<String> onB = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + portB + "/ui/session")).header("Cookie", cookie).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(onB.statusCode()).as(onB.body()).isEqualTo(200);
        assertThat(field(onB.body(), "/principal")).isEqualTo("admin");
        assertThat(apis).hasSize(2);
    }

    private static final String CALL = """
            {"customer": "acme", "provider": "openai", "model": "gpt-4", "endpoint": "/api/chat"}""";

    private static long limitAmount(JsonNode decision) {
        JsonNode limits = decision.get("limits");
        return limits == null || limits.isEmpty() ? -1 : limits.get(0).get("amount").asLong();
    }

    private synchronized String event(String customer, long tokens) {
        return "{\"id\": \"evt_" + (++eventSeq) + "\", \"customer\": \"" + customer + "\", \"provider\": \"openai\", "
                + "\"model\": \"gpt-4\", \"usage\": {\"input_tokens\": " + tokens + "}}";
    }

    private void post(Api api, String customer, long tokens) {
        Api.Response r = api.post("/v1/events", event(customer, tokens));
        assertThat(r.status()).as(r.toString()).isEqualTo(200);
        assertThat(r.json().get("accepted").asInt()).as(r.toString()).isEqualTo(1);
    }

    private static void ok(Api.Response r) {
        assertThat(r.status()).as(r.toString()).isBetween(200, 204);
    }

    private static String field(String json, String pointer) {
        try {
            return JSON.readTree(json).at(pointer).asText();
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    /** Polls {@code condition} until it holds, failing after the 2 seconds the contract allows. */
    private static void awaitOn(String what, BooleanSupplier condition) {
        Await.within(WITHIN, what, condition);
    }
}
