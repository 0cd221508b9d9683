package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.enforce.CallEstimate;
import dev.tally.core.enforce.CallRequest;
import dev.tally.core.enforce.Decision;
import dev.tally.core.enforce.Enforcer;
import dev.tally.core.metric.Quantity;
import dev.tally.core.money.Money;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.OpenApiContract;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class EnforcementTest {
    @TempDir
    Path dir;
    private TestServer server;
    private Api api;

    @BeforeEach
    void start() {
        server = TestServer.start(Backend.SQLITE, dir, MutableClock.at("2026-11-20T12:00:30Z"));
        api = server.admin();
        api.put("/v1/prices", """
                [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000},
                 {"provider":"openai","model":"gpt-4","metric":"output_tokens","unit_price":"0.06","per":1000}]""");
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private void customerWithLimits(String limits) {
        assertThat(api.put("/v1/customers/acme", "{\"limits\":[" + limits + "]}").status()).isIn(200, 201);
    }

    private static String call(String estimate) {
        return "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4\",\"endpoint\":\"/api/chat\""
                + (estimate == null ? "" : ",\"estimate\":" + estimate) + "}";
    }

    @Test
    void authorize_64Threads_exactlyNAllowed_forRequestsTokensAndCost() throws Exception {
        customerWithLimits("""
                {"metric":"requests","window":"month","amount":100},
                {"metric":"tokens","window":"day","amount":150000},
                {"metric":"cost","window":"month","amount":"9.00"}""");
        Enforcer enforcer = server.server().enforcer();
        // Each call: 1 request, 1,000 tokens (1,000 input at $0.03/1k = $0.03). Requests bind first (100).
        assertThat(race(enforcer, 1000, null, 300)).isEqualTo(100);

        customerWithLimits("""
                {"metric":"tokens","window":"day","amount":150000}""");
        // The first race's 100 reservations hold 100,000 of the 150,000 tokens: 50 more fit.
        assertThat(race(enforcer, 1000, null, 300)).isEqualTo(50);

        customerWithLimits("""
                {"metric":"cost","window":"month","amount":"9.00"}""");
        // The first race's 100 reservations hold 100 x $0.03 = $3.00 of the $9.00 (the second race did not apply
        // to this limit): 200 more fit, and then not even a cent.
        assertThat(race(enforcer, 1000, null, 300)).isEqualTo(200);
        assertThat(race(enforcer, null, Money.parse("0.01"), 10)).isZero();
    }

    /** Runs {@code attempts} authorizations from 64 threads at once; returns how many were allowed. */
    private static int race(Enforcer enforcer, Integer inputTokens, Money cost, int attempts) throws Exception {
        TreeMap<String, Long> usage = new TreeMap<>();
        if (inputTokens != null) {
            usage.put("input_tokens", Quantity.ofUnits(inputTokens));
        }
        CallRequest call = new CallRequest("acme", "openai", "gpt-4", "/api/chat",
                new CallEstimate(usage, null, cost), Duration.ofMinutes(5));
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int i = 0; i < attempts; i++) {
                tasks.add(() -> enforcer.authorize(call).allowed());
            }
            int allowed = 0;
            for (Future<Boolean> f : pool.invokeAll(tasks, 60, TimeUnit.SECONDS)) {
                allowed += f.get() ? 1 : 0;
            }
            return allowed;
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void authorize_64HttpClients_exactlyNAllowed() throws Exception {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"hour\",\"amount\":40}");
        ExecutorService pool = Executors.newFixedThreadPool(64);
        try {
            List<Callable<JsonNode>> tasks = new ArrayList<>();
            for (int i = 0; i < 128; i++) {
                tasks.add(() -> api.post("/v1/authorize", call(null)).json());
            }
            int allowed = 0;
            for (Future<JsonNode> f : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
                allowed += f.get().get("allowed").asBoolean() ? 1 : 0;
            }
            assertThat(allowed).isEqualTo(40);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void settlement_replacesEstimateWithActual_upAndDown() {
        customerWithLimits("{\"metric\":\"tokens\",\"window\":\"month\",\"amount\":10000}");
        JsonNode first = api.post("/v1/authorize", call("{\"tokens\":6000}")).json();
        assertThat(first.get("allowed").asBoolean()).isTrue();
        // The decision shows the limit after its own reservation.
        assertThat(first.at("/limits/0/used").asLong()).isEqualTo(6000);
        assertThat(first.at("/limits/0/reserved").asLong()).isEqualTo(6000);
        // 6,000 reserved: another 6,000 does not fit.
        assertThat(api.post("/v1/check", call("{\"tokens\":6000}")).json().get("allowed").asBoolean()).isFalse();
        settle("e1", first.get("reservation").asText(), 1500, 500);
        JsonNode after = api.post("/v1/check", call("{\"tokens\":6000}")).json();
        assertThat(after.get("allowed").asBoolean()).isTrue();
        assertThat(after.at("/limits/0/used").asLong()).isEqualTo(2000);
        assertThat(after.at("/limits/0/reserved").asLong()).isZero();

        // Larger than estimated: the actual usage counts in full.
        JsonNode second = api.post("/v1/authorize", call("{\"tokens\":1000}")).json();
        settle("e2", second.get("reservation").asText(), 5000, 2500);
        assertThat(api.post("/v1/check", call(null)).json().at("/limits/0/used").asLong()).isEqualTo(9500);
        // Settling again (the same event resent) changes nothing.
        settle("e2", second.get("reservation").asText(), 5000, 2500);
        assertThat(api.post("/v1/check", call(null)).json().at("/limits/0/used").asLong()).isEqualTo(9500);
    }

    private void settle(String id, String reservation, int input, int output) {
        Api.Response r = api.post("/v1/events", """
                {"id":"%s","customer":"acme","provider":"openai","model":"gpt-4","endpoint":"/api/chat",
                 "reservation":"%s","usage":{"input_tokens":%d,"output_tokens":%d}}"""
                .formatted(id, reservation, input, output));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    @Test
    void denial_monthlyQuota_hasCodeMessageRetryAndHeaders() {
        customerWithLimits("""
                {"metric":"requests","window":"month","amount":1},
                {"metric":"requests","window":"minute","amount":100}""");
        api.post("/v1/events", "{\"customer\":\"acme\",\"provider\":\"openai\",\"model\":\"gpt-4\"}");
        Api.Response r = api.post("/v1/authorize", call(null));
        assertThat(r.status()).isEqualTo(200);
        JsonNode d = r.json();
        assertThat(d.get("allowed").asBoolean()).isFalse();
        assertThat(d.get("code").asText()).isEqualTo("quota_exceeded");
        assertThat(d.get("message").asText()).isEqualTo("Your monthly limit is over. Please upgrade your plan.");
        assertThat(d.at("/limit/name").asText()).isEqualTo("requests-month");
        // 2026-11-20T12:00:30Z to the end of November (UTC): 10 days, 11 h 59 min 30 s.
        assertThat(d.get("retry_after_seconds").asLong()).isEqualTo(10 * 86400 + 11 * 3600 + 59 * 60 + 30);
    }

    @Test
    void denial_headersDescribeEveryLimit() throws Exception {
        customerWithLimits("""
                {"metric":"requests","window":"minute","amount":2},
                {"metric":"cost","window":"month","amount":"5.00"}""");
        java.net.http.HttpResponse<String> allowed = raw(call(null));
        assertThat(allowed.headers().firstValue("X-RateLimit-Limit")).hasValue("2");
        assertThat(allowed.headers().firstValue("X-RateLimit-Remaining")).hasValue("1");
        assertThat(allowed.headers().firstValue("RateLimit-Policy").orElseThrow())
                .isEqualTo("\"requests-minute\";q=2;w=60, \"cost-month\";q=5000000;w=2592000;qu=\"tally-usd-micros\"");
        raw(call(null));
        java.net.http.HttpResponse<String> denied = raw(call(null));
        assertThat(denied.body()).contains("\"code\":\"rate_limited\"");
        assertThat(denied.headers().firstValue("Retry-After")).hasValue("60");
        assertThat(denied.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
        assertThat(denied.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"requests-minute\";r=0;t=60");
    }

    private java.net.http.HttpResponse<String> raw(String body) throws Exception {
        java.net.http.HttpResponse<String> answer = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + server.port() + "/v1/authorize"))
                .header("Authorization", "Bearer " + TestServer.ADMIN_KEY)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        OpenApiContract.get().check(answer);
        return answer;
    }

    @Test
    void reservation_isReleasedAfterTtl_orAtOnceByDelete() {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"day\",\"amount\":1}");
        String id = api.post("/v1/authorize", "{\"customer\":\"acme\",\"ttl_seconds\":30}").json()
                .get("reservation").asText();
        assertThat(api.post("/v1/check", "{\"customer\":\"acme\"}").json().get("allowed").asBoolean()).isFalse();
        server.clock().advance(Duration.ofSeconds(31));
        assertThat(api.post("/v1/check", "{\"customer\":\"acme\"}").json().get("allowed").asBoolean()).isTrue();
        assertThat(api.delete("/v1/reservations/" + id).status()).isEqualTo(404);

        String second = api.post("/v1/authorize", "{\"customer\":\"acme\"}").json().get("reservation").asText();
        assertThat(api.delete("/v1/reservations/" + second).status()).isEqualTo(204);
        assertThat(api.post("/v1/check", "{\"customer\":\"acme\"}").json().get("allowed").asBoolean()).isTrue();
    }

    @Test
    void shadowLimit_neverDenies_butReportsWhatItWouldDo() {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"day\",\"amount\":0,\"mode\":\"shadow\"}");
        JsonNode d = api.post("/v1/authorize", call(null)).json();
        assertThat(d.get("allowed").asBoolean()).isTrue();
        assertThat(d.at("/limits/0/would_deny").asBoolean()).isTrue();
        assertThat(d.at("/limits/0/mode").asText()).isEqualTo("shadow");
    }

    @Test
    void badCalls_areClearErrors() {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"day\",\"amount\":5}");
        assertThat(api.post("/v1/authorize", "{\"customer\":\"nobody\"}").status()).isEqualTo(404);
        Api.Response negative = api.post("/v1/authorize", call("{\"tokens\":-1}"));
        assertThat(negative.status()).isEqualTo(400);
        assertThat(negative.json().at("/errors/0/message").asText()).isEqualTo("estimate.tokens: must be >= 0, was -1");
        Api.Response text = api.post("/v1/authorize", call("{\"tokens\":\"many\"}"));
        assertThat(text.json().at("/errors/0/field").asText()).isEqualTo("estimate.tokens");
        Api.Response unknown = api.post("/v1/authorize", call("{\"widgets\":3}"));
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.json().at("/errors/0/field").asText()).isEqualTo("estimate.widgets");
        assertThat(api.post("/v1/authorize", "{\"customer\":\"acme\",\"colour\":1}").status()).isEqualTo(400);
        assertThat(api.post("/v1/check", call(null)).json().at("/limits/0/used").asLong()).isZero();
    }

    @Test
    void settlement_ofForeignOrUnknownReservation_isRejectedForThatEvent() {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"day\",\"amount\":5}");
        api.put("/v1/customers/globex", "{}");
        String globexReservation = api.post("/v1/authorize", "{\"customer\":\"globex\"}").json()
                .get("reservation").asText();
        JsonNode r = api.post("/v1/events", """
                [{"id":"x1","customer":"acme","reservation":"%s"},
                 {"id":"x2","customer":"acme","reservation":"rsv_made_up"},
                 {"id":"x3","customer":"acme"}]""".formatted(globexReservation)).json();
        assertThat(r.get("accepted").asInt()).isEqualTo(1);
        assertThat(r.at("/rejected/0/errors/0/field").asText()).isEqualTo("reservation");
        assertThat(r.at("/rejected/1/errors/0/message").asText())
                .startsWith("reservation: must be a reservation this server issued for customer 'acme'");
        assertThat(api.post("/v1/check", call(null)).json().at("/limits/0/used").asLong()).isEqualTo(1);
    }

    @Test
    void eventsWithoutReservation_countTowardLimits() {
        customerWithLimits("{\"metric\":\"requests\",\"window\":\"day\",\"amount\":2}");
        api.post("/v1/events", "[{\"customer\":\"acme\"},{\"customer\":\"acme\"}]");
        JsonNode d = api.post("/v1/authorize", call(null)).json();
        assertThat(d.get("allowed").asBoolean()).isFalse();
        assertThat(d.get("message").asText()).startsWith("Your daily limit is over. It resets in 11 hours");
    }

    @Test
    void restart_rebuildsCountersFromRollups() {
        customerWithLimits("""
                {"metric":"requests","window":"month","amount":3},
                {"metric":"requests","window":"minute","amount":100}""");
        api.post("/v1/events", "[{\"customer\":\"acme\"},{\"customer\":\"acme\"}]");
        String url = server.databaseUrl();
        MutableClock clock = server.clock();
        server.close();
        server = TestServer.startOn(url, dir, clock);
        api = server.admin();
        JsonNode d = api.post("/v1/check", call(null)).json();
        assertThat(d.at("/limits/0/used").asLong()).isEqualTo(2);
        assertThat(d.at("/limits/1/used").asLong()).isEqualTo(2);
        api.post("/v1/events", "{\"customer\":\"acme\"}");
        assertThat(api.post("/v1/authorize", call(null)).json().get("allowed").asBoolean()).isFalse();
    }
}
