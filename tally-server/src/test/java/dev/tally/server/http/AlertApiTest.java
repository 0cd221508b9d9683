package dev.tally.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tally.core.testing.MutableClock;
import dev.tally.server.testing.Api;
import dev.tally.server.testing.Backend;
import dev.tally.server.testing.TestServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Alerts through the real server: a customer walked through a month (50/80/100% once each, then a new month), rate
 * spikes, forecasts, unpriced models, cost amounts, denials, self-resolution, hysteresis, concurrent ingestion, and
 * the lifecycle and access rules of {@code /v1/alerts}.
 */
class AlertApiTest {
    @TempDir
    Path dir;

    private TestServer server;
    private Api api;
    private int eventSeq;

    private TestServer start(Backend backend, String at) {
        server = TestServer.start(backend, dir, MutableClock.at(at));
        api = server.admin();
        return server;
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void month_tokenLimit_alertsAt50_80_100FireOnceEachWithThePercent_thenANewMonthResolvesThem(Backend backend) {
        try (TestServer s = start(backend, "2026-11-01T00:10:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000,"mode":"soft"}""");
            customer("acme", "pro");

            useOn("2026-11-04T10:00:00Z", "acme", 300);
            assertThat(alerts("?kind=threshold")).isEmpty();
            useOn("2026-11-09T10:00:00Z", "acme", 250);
            useOn("2026-11-12T10:00:00Z", "acme", 100);
            useOn("2026-11-15T10:00:00Z", "acme", 200);
            useOn("2026-11-18T10:00:00Z", "acme", 200);
            useOn("2026-11-20T10:00:00Z", "acme", 50);

            List<JsonNode> thresholds = alerts("?kind=threshold&customer=acme");
            assertThat(thresholds).extracting(a -> a.get("threshold").asInt()).containsExactly(100, 80, 50);
            assertThat(thresholds).extracting(a -> a.get("percent").decimalValue().setScale(1).toPlainString())
                    .containsExactly("105.0", "85.0", "55.0");
            JsonNode fifty = thresholds.get(2);
            assertThat(fifty.get("limit").asText()).isEqualTo("tokens-month");
            assertThat(fifty.get("period").asText()).isEqualTo("2026-11");
            assertThat(fifty.get("state").asText()).isEqualTo("active");
            assertThat(fifty.get("created_at").asText()).isEqualTo("2026-11-09T10:00:00Z");
            assertThat(fifty.get("message").asText()).contains("55%", "tokens-month", "550 of 1,000 tokens");
            // A soft limit going over 100% is also "exceeded", once.
            assertThat(alerts("?kind=exceeded&customer=acme")).hasSize(1);

            s.clock().set(Instant.parse("2026-12-01T00:05:00Z"));
            assertThat(s.server().alerts().sweep()).isGreaterThanOrEqualTo(4);
            for (JsonNode a : alerts("?customer=acme")) {
                assertThat(a.get("state").asText()).isEqualTo("resolved");
                assertThat(a.get("resolved_by").asText()).isEqualTo("system");
                assertThat(a.get("resolved_at").asText()).isEqualTo("2026-12-01T00:05:00Z");
            }

            useOn("2026-12-02T10:00:00Z", "acme", 600);
            List<JsonNode> december = alerts("?kind=threshold&state=active");
            assertThat(december).extracting(a -> a.get("threshold").asInt()).containsExactly(50);
            assertThat(december.get(0).get("period").asText()).isEqualTo("2026-12");
        }
    }

    /** Issue 15.4: alert messages for people: the customer's and provider's names, separators, a plain percent. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void exceeded_message_namesCustomerAndProviderWithSeparators(Backend backend) {
        try (TestServer s = start(backend, "2026-11-20T10:00:00Z")) {
            plan("pro", """
                    {"name":"openai-tokens-month","metric":"tokens","window":"month","amount":500000,"mode":"soft",\
                    "provider":"openai"}""");
            assertThat(api.put("/v1/customers/acme-live", "{\"name\":\"Acme Corp\",\"plan\":\"pro\"}").status())
                    .isEqualTo(201);
            post("[" + event("acme-live", "gpt-4", 520_000) + "]");

            List<JsonNode> exceeded = alerts("?kind=exceeded&customer=acme-live");
            assertThat(exceeded).hasSize(1);
            assertThat(exceeded.get(0).get("message").asText()).isEqualTo("Acme Corp has exceeded its soft monthly "
                    + "OpenAI token limit: 520,000 of 500,000 tokens (104%, limit openai-tokens-month)");
            assertThat(alerts("?kind=threshold&customer=acme-live").get(0).get("message").asText())
                    .startsWith("Acme Corp has used 104% of its monthly OpenAI token limit: 520,000 of 500,000 tokens");
        }
    }

    /** Issue 15.3: usage back-dated into last month is judged in last month, and the alert says so. */
    @ParameterizedTest
    @EnumSource(Backend.class)
    void month_usageBackDatedIntoLastMonth_raisesThatMonthsAlertsOnce(Backend backend) {
        try (TestServer s = start(backend, "2026-12-03T09:00:00Z")) {
            plan("pro", """
                    {"name":"openai-tokens-month","metric":"tokens","window":"month","amount":500000,"mode":"soft",\
                    "thresholds":[80,100]}""");
            customer("acme", "pro");
            // The plan and customer writes queued a sweep, which resolves alerts of a period that is over: let it run
            // first, so it cannot resolve November's alerts between their firing and the assertions.
            drain();
            // November replayed in December: 520,000 tokens of 500,000 (104%), in two batches of an import.
            post("[" + eventAt("acme", "2026-11-10T10:00:00Z", 300_000) + ","
                    + eventAt("acme", "2026-11-20T10:00:00Z", 120_000) + "]");
            post("[" + eventAt("acme", "2026-11-28T10:00:00Z", 100_000) + "]");

            // Any state: a sweep (on PostgreSQL also the one the customer's NOTIFY brings) resolves them at once.
            List<JsonNode> november = limitAlerts("");
            assertThat(november).extracting(a -> a.get("kind").asText() + ":" + a.get("threshold").asText())
                    .containsExactlyInAnyOrder("threshold:80", "threshold:100", "exceeded:null");
            for (JsonNode a : november) {
                assertThat(a.get("period").asText()).isEqualTo("2026-11");
                assertThat(a.get("message").asText()).contains("billing month 2026-11-01 to 2026-11-30");
            }
            assertThat(november).filteredOn(a -> a.get("kind").asText().equals("exceeded"))
                    .extracting(a -> a.get("percent").decimalValue().setScale(1).toPlainString()).containsExactly("104.0");

            // Resolved by the sweep (its month is over), the rest of the import does not fire them again.
            s.server().alerts().sweep();
            post("[" + eventAt("acme", "2026-11-29T10:00:00Z", 1_000) + "]");
            assertThat(limitAlerts("&state=active")).isEmpty();
            assertThat(limitAlerts("")).hasSize(3)
                    .allMatch(a -> a.get("period").asText().equals("2026-11"), "of November");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void rateSpike_busyCustomerJumps_flagged_quietCustomerJumps_not(Backend backend) {
        try (TestServer s = start(backend, "2026-11-10T08:00:00Z")) {
            plan("free", "");
            customer("busy", "free");
            customer("quiet", "free");
            // An hour and more of baseline: busy sends 10 requests per 5 minutes, quiet 1.
            for (int window = 0; window < 13; window++) {
                s.clock().advance(Duration.ofMinutes(5));
                send("busy", 10, 0);
                send("quiet", 1, 0);
            }
            assertThat(alerts("?kind=rate_spike")).isEmpty();

            s.clock().advance(Duration.ofMinutes(5));
            send("quiet", 60, 0);
            send("busy", 150, 0);

            List<JsonNode> spikes = alerts("?kind=rate_spike");
            assertThat(spikes).hasSize(1);
            assertThat(spikes.get(0).get("customer").asText()).isEqualTo("busy");
            assertThat(spikes.get(0).get("period").asText()).isEqualTo("2026-11-10T09");
            assertThat(spikes.get(0).get("message").asText()).contains("busy sent 100 requests in 5 minutes");
        }
    }

    @Test
    void forecast_fastBurner_namesTheExhaustionDay_steadyCustomerNot() {
        try (TestServer s = start(Backend.SQLITE, "2026-11-01T00:00:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000}""");
            customer("burner", "pro");
            customer("steady", "pro");

            // 400 of 1000 after 2 days: at that pace the limit runs out 5 days into the month.
            useOn("2026-11-03T00:00:00Z", "burner", 400);
            // 300 after 20 days runs out after 66 days: not this month.
            useOn("2026-11-21T00:00:00Z", "steady", 300);

            List<JsonNode> forecasts = alerts("?kind=forecast");
            assertThat(forecasts).hasSize(1);
            JsonNode f = forecasts.get(0);
            assertThat(f.get("customer").asText()).isEqualTo("burner");
            assertThat(f.get("message").asText()).startsWith(
                    "At the current rate, burner will use up its monthly token limit on 2026-11-06");
            assertThat(f.get("percent").decimalValue()).isEqualByComparingTo("40.0");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void unpricedModel_manyEvents_raisesExactlyOneAlert(Backend backend) {
        try (TestServer s = start(backend, "2026-11-10T08:00:00Z")) {
            assertThat(api.put("/v1/prices", """
                    [{"provider":"openai","model":"gpt-4","metric":"input_tokens","unit_price":"0.03","per":1000}]
                    """).status()).isEqualTo(200);
            plan("free", "");
            customer("acme", "free");

            for (int i = 0; i < 3; i++) {
                post(event("acme", "gpt-9", 100));
                post(event("acme", "gpt-4", 100));
            }

            List<JsonNode> unpriced = alerts("?kind=unpriced");
            assertThat(unpriced).hasSize(1);
            assertThat(unpriced.get(0).get("limit").asText()).isEqualTo("openai/gpt-9");
            assertThat(unpriced.get(0).get("message").asText()).contains("openai/gpt-9", "input_tokens");
            assertThat(alerts("")).hasSize(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void acknowledgeThenResolve_throughTheApi_recordWhoAndWhen(Backend backend) {
        try (TestServer s = start(backend, "2026-11-10T08:00:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000}""");
            customer("acme", "pro");
            customer("globex", "pro");
            use("acme", 600);
            use("globex", 600);
            String id = alerts("?customer=acme&kind=threshold").get(0).get("id").asText();

            s.clock().advance(Duration.ofMinutes(3));
            Api.Response ack = api.post("/v1/alerts/" + id + "/acknowledge", null);
            assertThat(ack.status()).isEqualTo(200);
            assertThat(ack.json().get("state").asText()).isEqualTo("acknowledged");
            assertThat(ack.json().get("acknowledged_by").asText())
                    .as("who: the admin key's id, as for corrections").matches("admin key [0-9a-f]{8}");
            assertThat(ack.json().get("acknowledged_at").asText()).isEqualTo("2026-11-10T08:03:00Z");
            assertThat(ack.json().get("updated_at").asText()).isEqualTo("2026-11-10T08:03:00Z");
            assertThat(api.post("/v1/alerts/" + id + "/acknowledge", null).json().get("acknowledged_at").asText())
                    .isEqualTo("2026-11-10T08:03:00Z");
            assertThat(alerts("?state=acknowledged")).extracting(a -> a.get("id").asText()).containsExactly(id);

            s.clock().advance(Duration.ofMinutes(2));
            Api.Response resolved = api.post("/v1/alerts/" + id + "/resolve", null);
            assertThat(resolved.status()).isEqualTo(200);
            assertThat(resolved.json().get("state").asText()).isEqualTo("resolved");
            assertThat(resolved.json().get("resolved_by").asText())
                    .as("who: the admin key's id, as for corrections").matches("admin key [0-9a-f]{8}");
            assertThat(resolved.json().get("resolved_at").asText()).isEqualTo("2026-11-10T08:05:00Z");
            assertThat(resolved.json().get("acknowledged_by").asText())
                    .as("who: the admin key's id, as for corrections").matches("admin key [0-9a-f]{8}");
            assertThat(api.get("/v1/alerts/" + id).json().get("state").asText()).isEqualTo("resolved");

            Api.Response late = api.post("/v1/alerts/" + id + "/acknowledge", null);
            assertThat(late.status()).isEqualTo(409);
            assertThat(late.contentType()).startsWith("application/problem+json");
            assertThat(api.post("/v1/alerts/alr_missing/resolve", null).status()).isEqualTo(404);
            assertThat(api.get("/v1/alerts/alr_missing").status()).isEqualTo(404);
        }
    }

    @Test
    void list_badFilters_problemNamingTheField() {
        try (TestServer s = start(Backend.SQLITE, "2026-11-10T08:00:00Z")) {
            Api.Response bad = api.get("/v1/alerts?state=open");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.contentType()).startsWith("application/problem+json");
            assertThat(bad.json().at("/errors/0/field").asText()).isEqualTo("state");
            assertThat(bad.json().at("/errors/0/message").asText())
                    .isEqualTo("state: must be one of active, acknowledged, resolved, was \"open\"");
            assertThat(api.get("/v1/alerts?kind=spike").json().at("/errors/0/field").asText()).isEqualTo("kind");
            assertThat(api.get("/v1/alerts?cursor=nope!").json().at("/errors/0/field").asText()).isEqualTo("cursor");
            assertThat(api.get("/v1/alerts?limit=0").json().at("/errors/0/field").asText()).isEqualTo("limit");
            assertThat(api.as(null).get("/v1/alerts").status()).isEqualTo(401);
        }
    }

    @Test
    void customerKey_seesOnlyItsOwnAlerts_andCannotMoveThem() {
        try (TestServer s = start(Backend.SQLITE, "2026-11-10T08:00:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000}""");
            customer("acme", "pro");
            customer("globex", "pro");
            use("acme", 600);
            use("globex", 900);
            Api acme = api.as(api.post("/v1/customers/acme/keys", null).json().get("key").asText());
            String own = alerts("?customer=acme").get(0).get("id").asText();
            String other = alerts("?customer=globex").get(0).get("id").asText();

            JsonNode list = acme.get("/v1/alerts").json();
            assertThat(list.get("alerts")).extracting(a -> a.get("customer").asText()).containsOnly("acme");
            assertThat(acme.get("/v1/me/alerts").json().get("alerts")).hasSize(list.get("alerts").size());
            assertThat(acme.get("/v1/alerts?customer=globex").status()).isEqualTo(403);
            assertThat(acme.get("/v1/alerts?customer=nobody").status()).isEqualTo(403);
            assertThat(acme.get("/v1/alerts/" + own).status()).isEqualTo(200);
            assertThat(acme.get("/v1/alerts/" + other).status()).isEqualTo(404);
            assertThat(acme.post("/v1/alerts/" + own + "/acknowledge", null).status()).isEqualTo(403);
            assertThat(acme.post("/v1/alerts/" + own + "/resolve", null).status()).isEqualTo(403);
            assertThat(api.get("/v1/me/alerts").status()).isEqualTo(403);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void resolvedAlert_usageStillOver_firesAgain_openOneNeverRepeats(Backend backend) {
        try (TestServer s = start(backend, "2026-11-10T08:00:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000,"thresholds":[50]}""");
            customer("acme", "pro");
            use("acme", 600);
            use("acme", 10);
            List<JsonNode> first = alerts("?kind=threshold");
            assertThat(first).hasSize(1);

            api.post("/v1/alerts/" + first.get(0).get("id").asText() + "/resolve", null);
            s.clock().advance(Duration.ofMinutes(1));
            use("acme", 10);

            List<JsonNode> all = alerts("?kind=threshold");
            assertThat(all).hasSize(2);
            assertThat(all.get(0).get("state").asText()).isEqualTo("active");
            assertThat(all.get(0).get("percent").decimalValue()).isEqualByComparingTo("62.0");
            use("acme", 10);
            assertThat(alerts("?kind=threshold")).hasSize(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void raisedLimit_usageBackUnderTheLevels_resolvesByItself(Backend backend) {
        try (TestServer s = start(backend, "2026-11-10T08:00:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000}""");
            customer("acme", "pro");
            use("acme", 850);
            assertThat(alerts("?kind=threshold&state=active")).hasSize(2);

            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1500}""");
            // The plan write queues a re-check; the minute's sweep finds nothing more to resolve.
            s.server().alerts().drain(Duration.ofSeconds(10));
            assertThat(s.server().alerts().sweep()).isZero();

            List<JsonNode> active = alerts("?kind=threshold&state=active");
            assertThat(active).extracting(a -> a.get("threshold").asInt()).containsExactly(50);
            JsonNode eighty = alerts("?kind=threshold&state=resolved").get(0);
            assertThat(eighty.get("threshold").asInt()).isEqualTo(80);
            assertThat(eighty.get("resolved_by").asText()).isEqualTo("system");
        }
    }

    @Test
    void raisedLimit_throughTheApi_resolvesWithoutWaitingForTheMinuteSweep() {
        try (TestServer s = start(Backend.SQLITE, "2026-11-10T08:00:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000}""");
            customer("acme", "pro");
            use("acme", 600);
            assertThat(alerts("?kind=threshold&state=active")).hasSize(1);

            assertThat(api.put("/v1/customers/acme", """
                    {"name":"acme","plan":"pro","limits":[{"metric":"tokens","window":"month","amount":5000}]}""")
                    .status()).isEqualTo(200);

            // The catalog write queued a re-check on the engine's thread; drain() waits for it.
            JsonNode resolved = alerts("?kind=threshold").get(0);
            assertThat(resolved.get("state").asText()).isEqualTo("resolved");
            assertThat(resolved.get("resolved_by").asText()).isEqualTo("system");
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void concurrentIngestion_crossingEveryLevel_firesEachAlertOnce(Backend backend) throws Exception {
        try (TestServer s = start(backend, "2026-11-10T08:00:00Z")) {
            plan("pro", """
                    {"metric":"tokens","window":"month","amount":1000}""");
            customer("acme", "pro");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Callable<Integer>> senders = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    senders.add(() -> {
                        for (int i = 0; i < 10; i++) {
                            assertThat(api.post("/v1/events", event("acme", "gpt-4", 25)).status()).isEqualTo(200);
                        }
                        return 10;
                    });
                }
                for (Future<Integer> f : pool.invokeAll(senders)) {
                    assertThat(f.get()).isEqualTo(10);
                }
            } finally {
                pool.shutdownNow();
            }
            List<JsonNode> all = alerts("?customer=acme");
            assertThat(all).filteredOn(a -> a.get("kind").asText().equals("threshold"))
                    .extracting(a -> a.get("threshold").asInt()).containsExactlyInAnyOrder(50, 80, 100);
            assertThat(all).filteredOn(a -> a.get("kind").asText().equals("exceeded")).hasSize(1);
        }
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void restart_usageStillPastTheLevels_noAlertTwice(Backend backend) {
        start(backend, "2026-11-10T08:00:00Z");
        plan("pro", """
                {"metric":"tokens","window":"month","amount":1000,"thresholds":[50]}""");
        customer("acme", "pro");
        use("acme", 600);
        assertThat(alerts("?kind=threshold")).hasSize(1);
        String url = server.databaseUrl();
        server.close();

        server = TestServer.startOn(url, dir, MutableClock.at("2026-11-10T09:00:00Z"));
        api = server.admin();
        try (TestServer s = server) {
            // The engine's marks are gone with the old process; the store's open alert keeps the key from repeating.
            use("acme", 10);
            assertThat(alerts("?kind=threshold")).hasSize(1);
        }
    }

    @Test
    void deniedCalls_hardLimit_oneExceededAlertPerPeriod() {
        try (TestServer s = start(Backend.SQLITE, "2026-11-10T08:00:00Z")) {
            plan("pro", """
                    {"metric":"requests","window":"day","amount":2}""");
            customer("acme", "pro");
            String call = """
                    {"customer":"acme","provider":"openai","model":"gpt-4"}""";
            for (int i = 0; i < 2; i++) {
                assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isTrue();
            }
            for (int i = 0; i < 3; i++) {
                assertThat(api.post("/v1/authorize", call).json().get("allowed").asBoolean()).isFalse();
            }
            drain();
            List<JsonNode> exceeded = alerts("?kind=exceeded");
            assertThat(exceeded).hasSize(1);
            assertThat(exceeded.get(0).get("limit").asText()).isEqualTo("requests-day");
            assertThat(exceeded.get(0).get("period").asText()).isEqualTo("2026-11-10");
            assertThat(exceeded.get(0).get("message").asText()).startsWith("A call of acme was denied");
        }
    }

    @Test
    void costAmounts_fromTallyYaml_customerAndGlobalAlertsOnce() throws Exception {
        Path yaml = dir.resolve("tally.yaml");
        Files.writeString(yaml, """
                alerts:
                  cost: {default: "1.00", customers: {big: "5.00"}, global: "1.50"}
                prices:
                  - {provider: openai, model: gpt-4, metric: input_tokens, unit_price: "0.01", per: 1}
                plans:
                  free: {name: Free}
                customers:
                  acme: {name: Acme, plan: free}
                  big: {name: Big, plan: free}
                """);
        server = TestServer.startWithConfig(Backend.SQLITE, dir, MutableClock.at("2026-11-10T08:00:00Z"), yaml);
        api = server.admin();
        try (TestServer s = server) {
            use("acme", 60);
            use("big", 60);
            assertThat(alerts("?kind=cost")).isEmpty();
            use("acme", 50);
            use("big", 100);

            List<JsonNode> cost = alerts("?kind=cost");
            assertThat(cost).extracting(a -> a.get("customer").isNull() ? "global" : a.get("customer").asText())
                    .containsExactlyInAnyOrder("acme", "global");
            JsonNode acme = cost.stream().filter(a -> !a.get("customer").isNull()).findFirst().orElseThrow();
            assertThat(acme.get("message").asText()).contains("$1.10", "$1.00");
            assertThat(acme.get("percent").decimalValue()).isEqualByComparingTo("110.0");
        }
    }

    private void plan(String id, String limits) {
        assertThat(api.put("/v1/plans/" + id, "{\"name\":\"" + id + "\",\"limits\":[" + limits + "]}").status())
                .isIn(200, 201);
    }

    private void customer(String id, String plan) {
        assertThat(api.put("/v1/customers/" + id, "{\"name\":\"" + id + "\",\"plan\":\"" + plan + "\"}").status())
                .isIn(200, 201);
    }

    /** Moves the clock to {@code at} and records one event of {@code tokens} input tokens then. */
    private void useOn(String at, String customer, long tokens) {
        server.clock().set(Instant.parse(at));
        use(customer, tokens);
    }

    private void use(String customer, long tokens) {
        post(event(customer, "gpt-4", tokens));
    }

    /** Records {@code n} events of {@code tokens} each, in one request, at the clock's time. */
    private void send(String customer, int n, long tokens) {
        StringBuilder body = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            body.append(i == 0 ? "" : ",").append(event(customer, "gpt-4", tokens));
        }
        post(body.append(']').toString());
    }

    /** Acme's threshold and exceeded alerts (not the unpriced model's), newest first. */
    private List<JsonNode> limitAlerts(String query) {
        List<JsonNode> out = new ArrayList<>(alerts("?customer=acme&kind=threshold" + query));
        out.addAll(alerts("?customer=acme&kind=exceeded" + query));
        return out;
    }

    /** An event of {@code tokens} input tokens with its own timestamp. */
    private String eventAt(String customer, String at, long tokens) {
        return "{\"id\":\"" + nextId() + "\",\"customer\":\"" + customer + "\",\"timestamp\":\"" + at
                + "\",\"provider\":\"openai\",\"model\":\"gpt-4\",\"usage\":{\"input_tokens\":" + tokens + "}}";
    }

    private synchronized String nextId() {
        return "evt_" + (++eventSeq);
    }

    private String event(String customer, String model, long tokens) {
        return "{\"id\":\"" + nextId() + "\",\"customer\":\"" + customer + "\",\"provider\":\"openai\",\"model\":\""
                + model + "\",\"usage\":{\"input_tokens\":" + tokens + "}}";
    }

    private void post(String body) {
        Api.Response r = api.post("/v1/events", body);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
    }

    private void drain() {
        server.server().alerts().drain(Duration.ofSeconds(10));
    }

    /** Every alert the filters match, newest first, after the engine stored what it had. */
    private List<JsonNode> alerts(String query) {
        drain();
        Api.Response r = api.get("/v1/alerts" + query);
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.json().get("alerts").forEach(out::add);
        return out;
    }
}
